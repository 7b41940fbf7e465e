"""Citation keys: the model cites numbered passages as [n]; here the keys are checked and mapped back.

1. `verify_citations`: every answer sentence's keys are checked against the passages' text. A key whose
   passage does not support the sentence (by weighted word overlap) is moved to the passage that does,
   or dropped; a sentence with no key gets the passage that clearly supports it. Small models copy
   facts well but often pick the wrong number.
2. `resolve_citations`: keys naming no retrieved passage are stripped; the rest are renumbered by first
   use, and each becomes a Citation whose quote is the passage text, verbatim at its offsets."""
from __future__ import annotations

import logging
import re
from typing import Callable, Sequence

from retrieval.answers.dates import document_date
from retrieval.models import Citation, Hit
from retrieval.text import split_sentences, tokenize, uses

log = logging.getLogger(__name__)
CITE = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
KEEP_RATIO = 0.6   # a cited passage keeps its key if its support is at least this share of the best
MIN_SUPPORT = 0.3  # below this share of the sentence's weighted words, a passage supports nothing
ADD_SUPPORT = 0.5  # an uncited sentence gets a key when one passage covers this share


def _numbers(group: str) -> list[int]:
    return [int(x) for x in re.split(r"\s*[,;]\s*", group)]


def support(sentence: str, passage: str, idf: Callable[[str], float]) -> float:
    words = set(tokenize(CITE.sub("", sentence)))
    total = sum(idf(t) for t in words)
    if not total:
        return 0.0
    have = set(tokenize(passage))
    return sum(idf(t) for t in words if uses(have, t)) / total


def described(p, names: Callable[[str], str] = str) -> str:
    """A passage's text with what the reader is told about it: its speaker, its document's title and
    date ("The Kremlin's statement on the 18 March call …" is supported by the Kremlin's passage)."""
    dated = document_date(p)
    day = f"{dated.day} {dated:%B %Y}" if dated else (p.date or "")  # "5 March", as answers write it
    return f"{p.text}\n{names(p.speaker)} {p.speaker} {p.title} {day}"


def _fix_sentence(sentence: str, hits: Sequence[Hit], idf, names: Callable[[str], str] = str) -> str:
    scores = [support(sentence, described(h.passage, names), idf) for h in hits]
    best = max(range(len(hits)), key=lambda i: scores[i]) if hits else -1
    cited = [n for m in CITE.finditer(sentence) for n in _numbers(m.group(1))]
    keep = [n for n in cited if 1 <= n <= len(hits) and scores[n - 1] >= MIN_SUPPORT
            and scores[n - 1] >= KEEP_RATIO * scores[best]]
    if best >= 0 and scores[best] >= MIN_SUPPORT and (cited or scores[best] >= ADD_SUPPORT) and not keep:
        keep = [best + 1]
    if keep != cited:
        log.info("citation check: %s -> %s for %r", cited, keep, sentence[:80])
    body = CITE.sub("", sentence).rstrip()
    keys = "".join(f"[{n}]" for n in dict.fromkeys(keep))
    if not keys:
        return body
    m = re.search(r"[.!?]+[\"”’)]*$", body)
    return f"{body[:m.start()]} {keys}{body[m.start():]}" if m else f"{body} {keys}"


def verify_citations(text: str, hits: Sequence[Hit], idf: Callable[[str], float],
                     names: Callable[[str], str] = str) -> str:
    """Fix each sentence's keys; a sentence with content that no passage supports is removed."""
    out, pos = [], 0
    for s in split_sentences(text, 0, len(text)):
        out.append(text[pos:s.start])
        if not tokenize(CITE.sub("", s.text)):
            out.append(s.text)
        else:
            fixed = _fix_sentence(s.text, hits, idf, names)
            if CITE.search(fixed):
                out.append(fixed)
            else:
                log.info("unsupported sentence removed: %r", s.text[:120])
        pos = s.end
    out.append(text[pos:])
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()


def narrow_quote(p, claims: list[str], idf: Callable[[str], float]) -> tuple[int, int]:
    """The span of the passage's sentences that best support the sentences citing it (contiguous)."""
    sents = split_sentences(p.text, 0, len(p.text))
    if len(sents) <= 1 or not claims:
        return p.start, p.end
    chosen = [max(sents, key=lambda s: support(c, s.text, idf)) for c in claims]
    return p.start + min(s.start for s in chosen), p.start + max(s.end for s in chosen)


def _citing_sentences(text: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for s in split_sentences(text, 0, len(text)):
        for m in CITE.finditer(s.text):
            for n in _numbers(m.group(1)):
                out.setdefault(n, []).append(CITE.sub("", s.text))
    return out


def resolve_citations(text: str, hits: Sequence[Hit],
                      idf: Callable[[str], float] | None = None) -> tuple[str, list[Citation]]:
    """Map [n] keys to passages, drop invented ones, renumber by first use. With `idf`, each quote is
    narrowed to the passage's sentences that support the answer sentences citing it."""
    order: dict[int, int] = {}
    claims = _citing_sentences(text) if idf else {}

    def repl(m: re.Match) -> str:
        keep = []
        for n in _numbers(m.group(1)):
            if 1 <= n <= len(hits):
                order.setdefault(n, len(order) + 1)
                keep.append(order[n])
            else:
                log.info("dropped invented citation [%d]", n)
        return "".join(f"[{k}]" for k in dict.fromkeys(keep))

    cleaned = CITE.sub(repl, text)
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    citations = []
    for old, new in order.items():
        p = hits[old - 1].passage
        span = narrow_quote(p, claims.get(old, []), idf) if idf else (p.start, p.end)
        citations.append(Citation.from_passage(new, p, *span))
    return cleaned, sorted(citations, key=lambda c: c.n)
