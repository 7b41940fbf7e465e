"""Claims: sentence-level (or finer) assertions cut out of speaker-homogeneous passages.

Every claim keeps its passage's speaker, source, document, title and date, and character offsets into
the document text, so `document.text[claim.start:claim.end] == claim.text` always holds. Bullet
markers and surrounding quotes are trimmed off the span; a parenthesised aside that forms a sentence of
its own ("(There has so far been no news of such a swap taking place).") is the reporter's voice, not
the quoted speaker's, and becomes a separate claim attributed to the document's publisher."""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Iterable

from retrieval.models import Claim, Passage
from retrieval.text import REPORT_VERBS, line_spans, sentence_spans

MIN_WORDS = 4
MAX_CHARS = 600
LABEL_WORDS = 8  # a sentence ending in ":" shorter than this is a label or lead-in, not a claim

_TRIM = " \t\r\n–—-:;,…"
_TRIM_END = " \t\r\n–—-:;,"
_PAREN_ASIDE = re.compile(r"\(([A-Z][^()]{10,}?)[.!?]?\)")
_POINTER = re.compile(r"(?:the following|below|here)\s+(?:is|are|summari[sz]es|lists|sets out|describes)\b", re.I)


def extract_claims(passages: Iterable[Passage]) -> list[Claim]:
    """All claims of the given passages, in document order."""
    out: list[Claim] = []
    for p in passages:
        out.extend(passage_claims(p))
    out.sort(key=lambda c: (c.doc, c.start))
    return out


def passage_claims(p: Passage) -> list[Claim]:
    claims: list[Claim] = []
    for ls, le in line_spans(p.text):
        for s, e in sentence_spans(p.text, ls, le):
            claims.extend(_claims_from_sentence(p, s, e))
    return claims


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    """Strip spacing, dashes and stray punctuation, and quote marks or brackets that lost their pair."""
    changed = True
    while changed and s < e:
        changed = False
        while s < e and text[s] in _TRIM:
            s += 1
        while e > s and text[e - 1] in _TRIM_END:
            e -= 1
        span = text[s:e]
        if span and span[0] in _PAIRS and not _balanced_open(span, span[0]):
            s, changed = s + 1, True
        elif span and span[-1] in _CLOSERS and not _balanced_close(span, span[-1]):
            e, changed = e - 1, True
    return s, e


_PAIRS = {"“": "”", '"': '"', "(": ")", "[": "]"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}


def _balanced_open(span: str, opener: str) -> bool:
    closer = _PAIRS[opener]
    if opener == closer:
        return span.count(opener) % 2 == 0
    return span.count(closer) >= span.count(opener)


def _balanced_close(span: str, closer: str) -> bool:
    opener = _CLOSERS[closer]
    if opener == closer:
        return span.count(closer) % 2 == 0
    return span.count(opener) >= span.count(closer)


def _claims_from_sentence(p: Passage, s: int, e: int) -> list[Claim]:
    text = p.text
    out: list[Claim] = []
    # A full-sentence parenthetical aside: the publisher's own voice.
    for m in _PAREN_ASIDE.finditer(text, s, e):
        inner_s, inner_e = _trim(text, m.start(1), m.end(1))
        before = text[s : m.start()].strip(_TRIM + "()")
        if len(text[inner_s:inner_e].split()) >= MIN_WORDS and (not before or m.end() >= e - 2):
            out.append(_make(p, inner_s, inner_e, speaker=p.source))
            e = m.start() if before else s
    lead_in = text[s:e].rstrip().endswith(":")
    s, e = _trim(text, s, e)
    if e > s and not _skip(text[s:e], lead_in):
        for cs, ce in _split_long(text, s, e):
            out.append(_make(p, cs, ce, speaker=p.speaker))
    return sorted(out, key=lambda c: c.start)


def _skip(sentence: str, lead_in: bool = False) -> bool:
    """Not a claim: too short; a label ending in a colon ("On the talks with Russia:", "The facilities
    covered by the ban are:"); a list's lead-in with nothing of its own; the editor's pointer ("The
    following summarises both."). A long lead-in that says something stays ("... will take effect only
    after the following conditions have been met:")."""
    words = len(sentence.split())
    if words < MIN_WORDS or (lead_in and words < LABEL_WORDS) or _POINTER.match(sentence):
        return True
    return sentence.lower().endswith(("the following", "include", "includes", " are", " were", "as follows"))


def _split_long(text: str, s: int, e: int) -> list[tuple[int, int]]:
    if e - s <= MAX_CHARS:
        return [(s, e)]
    spans, cur = [], s
    for m in re.finditer(r";\s+", text[s:e]):
        cut = s + m.start()
        if cut - cur > 40:
            spans.append(_trim(text, cur, cut))
            cur = s + m.end()
    spans.append(_trim(text, cur, e))
    return [sp for sp in spans if sp[1] > sp[0]]


def _make(p: Passage, local_s: int, local_e: int, speaker: str) -> Claim:
    start, end = p.start + local_s, p.start + local_e
    quote = p.text[local_s:local_e]
    cid = hashlib.sha1(f"{p.doc}\x1f{start}\x1f{end}\x1f{quote}".encode()).hexdigest()[:16]
    return Claim(id=cid, passage_id=p.id, doc=p.doc, source=p.source, speaker=speaker, title=p.title,
                 start=start, end=end, text=quote, date=p.date, url=p.url)


def normalise(text: str) -> str:
    t = text.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"[^\w%$.']+", " ", t).strip()


def same_paragraph(text: str | None, a: Claim, b: Claim) -> bool:
    """Both claims sit in one paragraph of the document `text` (no line break between them)."""
    if text is None or a.doc != b.doc:
        return False
    first, later = sorted((a, b), key=lambda c: c.start)
    return "\n" not in text[first.end:later.start]


def claim_key(c: Claim) -> str:
    """Stable identity of a claim across re-indexing: its document and normalised text (not offsets)."""
    return hashlib.sha1(f"{c.doc}\x1f{normalise(c.text)}".encode()).hexdigest()[:20]


def reported_party(text: str, aliases: Iterable[tuple[str, str]]) -> str | None:
    """The source id a sentence attributes its content to ("X said that ...", "..., X said",
    "according to X"), or None when the sentence asserts it in its own voice."""
    low = text.lower().replace("’", "'")
    for alias, pattern, sid in _report_patterns(tuple(aliases)):
        if alias in low and pattern.search(low):
            return sid
    return None


@lru_cache(maxsize=64)
def _report_patterns(aliases: tuple[tuple[str, str], ...]) -> tuple[tuple[str, re.Pattern, str], ...]:
    """Per alias (in order): its lower-case text, one compiled pattern of the three report forms, its id."""
    out = []
    for alias, sid in aliases:
        low = alias.lower().replace("’", "'")
        a = re.escape(low)
        out.append((low, re.compile(rf"^(?:the\s+)?{a}(?:'s statement)?\s+(?:has\s+|had\s+|also\s+)?{REPORT_VERBS}\b"
                                    rf"|,\s*(?:the\s+)?{a}\s+(?:has\s+|had\s+)?{REPORT_VERBS}\b"
                                    rf"|\baccording to (?:the\s+)?{a}\b"), sid))
    return tuple(out)


_CLAUSE_CUTS = (
    re.compile(r"^(?:While|Although|Though|Whereas|After|Before|Since|When|If|Despite)\b[^,]{15,}?(,\s+)"),
    re.compile(r"(\s(?:and|but)\s+)(?=(?:also\s+)?(?:agreed|said|added|expressed|called|urged|warned|insisted)\b)"),
    re.compile(r"(;\s+|,\s+but\s+|,\s+while\s+)"),
)


def clauses(c: Claim, min_words: int = 5) -> list[Claim]:
    """A claim cut at clause boundaries (a leading "While ..." clause, "... and agreed that ...",
    "; ", ", but "), each part still verbatim at its offsets; parts shorter than `min_words` stay joined."""
    for pattern in _CLAUSE_CUTS:
        m = pattern.search(c.text)
        if not m:
            continue
        left = (0, m.start(1))
        right = (m.end(1), len(c.text))
        if min(len(c.text[s:e].split()) for s, e in (left, right)) < min_words:
            continue
        parts = []
        for s, e in (left, right):
            s, e = _trim(c.text, s, e)
            text = c.text[s:e]
            cid = hashlib.sha1(f"{c.id}\x1f{s}\x1f{e}".encode()).hexdigest()[:16]
            parts.append(Claim(id=cid, passage_id=c.passage_id, doc=c.doc, source=c.source, speaker=c.speaker,
                               title=c.title, start=c.start + s, end=c.start + e, text=text, date=c.date,
                               url=c.url))
        return [p for part in parts for p in clauses(part, min_words)]
    return [c]
