"""A dispute's headline: one plain question naming the point in contention ("Did Russia halt strikes on
energy facilities after 18 March?").

The local model writes it from the dispute's claims (`prompts/dispute_headline.md`), and what it writes
is checked before it is used: one line, a question ending with "?", 4 to 20 words and at most
MAX_CHARS characters, no markup, at least two content words shared with the claims (so it is about
them, not about something the model made up), and no word taken from the prompt's own examples that the
claims do not use (a small model copies its examples: "Did planes and ships leave the harbour?" for two
claims about planes in the air, the harbour being an example's). Anything else, or no model, gives a
template headline built from the words both sides share."""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Callable, Sequence

from retrieval.llm import ChatModel
from retrieval.llm.prompts import load_prompt
from retrieval.text import clip, content_words, normalise, stem, stems, words
from retrieval.vocab import DisputeKind

log = logging.getLogger(__name__)

MAX_CHARS = 120
MIN_WORDS, MAX_WORDS = 4, 20
MIN_SHARED = 2  # content-word stems the headline must share with the claims
STATEMENT_CHARS = 300

_PREFIX = re.compile(r"^\s*(?:question|headline|q)\s*[:\-–]\s*", re.IGNORECASE)
_WRAP = "\"'“”‘’`*_ "
_SIDE = re.compile(r"^Side \d+,")
_FORBIDDEN = re.compile(r"https?://|www\.|[@<>`*#|\[\]{}]|\bside [12]\b|\bcontradict", re.IGNORECASE)

# (speaker display name, date or None, claim text) for each claim, per side
Statement = tuple[str, "str | None", str]
Headliner = Callable[[str, Sequence[Statement], Sequence[Statement]], "str | None"]


def check_headline(text: str | None, claims: Sequence[str], borrowed: frozenset[str] = frozenset()) -> str | None:
    """The headline, tidied (outer quotes, a "Question:" prefix and spacing removed), if it passes every
    check against the claims' texts; None otherwise. `borrowed`: stems (the prompt's examples') that the
    headline may use only when a claim does."""
    if not text:
        return None
    if "\n" in text.strip():
        return None
    line = _PREFIX.sub("", text.strip()).strip(_WRAP)
    line = " ".join(line.split())
    if not line or not line.endswith("?") or line.count("?") != 1:
        return None
    if len(line) > MAX_CHARS or not line[0].isupper():
        return None
    n_words = len(line.split())
    if not MIN_WORDS <= n_words <= MAX_WORDS or _FORBIDDEN.search(line):
        return None
    claim_stems: set[str] = set()
    for c in claims:
        claim_stems |= stems(c)
    said = stems(line)
    if len(said & claim_stems) < MIN_SHARED or (said & borrowed) - claim_stems:
        return None
    return line


@lru_cache(maxsize=8)
def example_stems(messages: tuple[tuple[str, str], ...]) -> frozenset[str]:
    """Content-word stems of a prompt's worked examples (every turn after the system message and before
    the last, which holds the placeholders), without their scaffolding ("Kind: …", "Side 1,")."""
    out: set[str] = set()
    for _, text in messages[1:-1]:
        for line in text.splitlines():
            if not line.startswith("Kind:"):
                out |= {stem(w) for w in _content(_SIDE.sub("", line))}
    return frozenset(out)


# Words that open or link clauses: never what a dispute is about ("Since …", "whether …").
_SCAFFOLD = frozenset("""since whether however although though because while after before during about
against without within would could should which there their these those other still only also even very
much many most some such what when where every each being been have having according through across among
between towards toward into onto upon additionally meanwhile asked despite""".split())
_PHRASE_GLUE = frozenset("of the a an on in for to and de".split())  # inside a name: "Law of the Sea"
MAX_PHRASE = 8
MAX_TOPICS = 2  # "Who is right about A, B, C and D?" reads as a word list, not a question
# Particles and light verbs: a topic neither starts nor ends with one ("shot down over", "made").
_WEAK = frozenset("""down over under onto made make makes done took taken gave given told said says
went came come just than then them they were will shall must like sunk struck seen known begun thrown
driven held kept sent built found lost fled meant paid brought caught fought""".split())


_LY_NOUNS = frozenset("family supply assembly ally rally reply anomaly monopoly july italy".split())


def _topical(word: str) -> bool:
    """Whether a topic may start or end with `word`: a content word that is not a lowercase particle,
    light verb or adverb, nor a lowercase past form ("waited", "concluded"), which names an act, not what
    the act is about. Capitalised, it is part of a name ("Porton Down")."""
    n = normalise(word)
    adverb = n.endswith("ly") and n not in _LY_NOUNS  # "most likely", "resolutely"
    return bool(_content(word)) and (word[:1].isupper() or not (n in _WEAK or n.endswith("ed") or adverb))


def _bare(word: str) -> str:
    """A word without its possessive: "agency's" → "agency"."""
    return re.sub(r"['’]s$", "", word)


def _content(text: str, min_len: int = 4) -> list[str]:
    """Content words as written (case kept), in order."""
    keep = set(content_words(text, min_len)) - _SCAFFOLD
    return [w for w in words(text) if normalise(w) in keep]


def shared_phrases(side1: Sequence[str], side2: Sequence[str], ignore: frozenset[str] = frozenset(),
                   limit: int = 2) -> list[str]:
    """Up to `limit` runs of words written alike on both sides, longest first and not overlapping, each
    beginning and ending with a content word and holding at least two ("United Nations Convention on the
    Law of the Sea"). `ignore`: stems (the speakers' names) a phrase may not contain."""
    other = " " + " ".join(" ".join(words(t)).lower() for t in side2) + " "
    found: list[tuple[int, int, int, list[str]]] = []  # (length, text index, start, words)
    for k, text in enumerate(side1):
        ws = words(text)
        for i in range(len(ws)):
            for j in range(min(len(ws), i + MAX_PHRASE), i + 1, -1):
                run = ws[i:j]
                if not (_topical(run[0]) and _topical(run[-1])):
                    continue
                content = [w for w in run if _content(w)]
                if len(content) >= 2 and not {stem(w) for w in content} & ignore \
                        and f" {' '.join(run).lower()} " in other:
                    found.append((j - i, k, i, run))
                    break
    taken: list[tuple[int, int, int]] = []
    out: list[str] = []
    for n, k, i, run in sorted(found, key=lambda f: (-f[0], f[1], f[2])):
        inside = any(f" {' '.join(run).lower()} " in f" {o.lower()} " for o in out)  # said in two claims
        if len(out) < limit and not inside and not any(k == tk and i < te and ts < i + n for tk, ts, te in taken):
            taken.append((k, i, i + n))
            out.append(" ".join(run))
    return out


def shared_terms(side1: Sequence[str], side2: Sequence[str], limit: int = 4,
                 ignore: frozenset[str] = frozenset()) -> list[str]:
    """Up to `limit` content words found on both sides, as first written on side 1 and in its order;
    when they share fewer than MIN_SHARED, padded with the longest words of side 1, then side 2.
    `ignore`: stems that are never terms (the speakers' own names)."""
    s2 = set()
    for t in side2:
        s2 |= stems(t)
    seen: set[str] = set(ignore)
    out: list[str] = []
    for w in (_bare(w) for t in side1 for w in _content(t) if _topical(w)):
        st = stem(w)
        if st in s2 and st not in seen:
            seen.add(st)
            out.append(w)
    for side in (side1, side2):
        if len(out) >= MIN_SHARED:
            break
        for w in sorted((_bare(w) for t in side for w in _content(t, min_len=5) if _topical(w)),
                        key=lambda w: -len(w)):
            if len(out) >= MIN_SHARED:
                break
            if stem(w) not in seen:
                seen.add(stem(w))
                out.append(w)
    return out[:limit]


def topic_terms(side1: Sequence[str], side2: Sequence[str], ignore: frozenset[str] = frozenset()) -> list[str]:
    """What both sides talk about: their longest shared phrases first, then shared words they lack."""
    phrases = shared_phrases(side1, side2, ignore)
    inside = {stem(w) for ph in phrases for w in words(ph)}
    return (phrases + [t for t in shared_terms(side1, side2, ignore=ignore) if stem(t) not in inside])[:MAX_TOPICS]


def _join(terms: Sequence[str]) -> str:
    terms = list(terms)
    if len(terms) <= 1:
        return "".join(terms)
    return ", ".join(terms[:-1]) + " and " + terms[-1]


def _short(name: str) -> str:
    """A display name without its parenthesised gloss: 'Steve Witkoff (US special envoy)' → 'Steve Witkoff'."""
    return re.sub(r"\s*\(.*?\)\s*", " ", name).strip() or name


def template_headline(kind: str, side1: Sequence[Statement], side2: Sequence[Statement]) -> str:
    """A plain question from the words both sides share; always passes `check_headline` when the
    claims have content words."""
    names = frozenset(st for name, _, _ in (*side1, *side2) for st in stems(name))  # "Witkoff" is who, not what
    terms = topic_terms(*_apart([t for _, _, t in side1], [t for _, _, t in side2]), ignore=names)
    a = _short(side1[0][0]) if side1 else "one side"
    b = _short(side2[0][0]) if side2 else "the other"
    for form in (0, 1):  # with the sides' names if they fit, else without
        for n in range(len(terms), 0, -1):
            line = _questions(kind, _join(terms[:n]), a, b)[form]
            if len(line) <= MAX_CHARS and len(line.split()) <= MAX_WORDS:
                return line[0].upper() + line[1:]
    return clip(f"What is true about {_join(terms[:2]) or 'this point'}?", MAX_CHARS)


def _apart(texts1: list[str], texts2: list[str]) -> tuple[list[str], list[str]]:
    """Each side's claims without those on both sides: a sentence opposed to claims of either side (a
    hub) shares every phrase with itself, not a topic with the other side ("… dismissed the final report
    as a second …"). A side left empty keeps its claims."""
    both = set(texts1) & set(texts2)
    return [t for t in texts1 if t not in both] or texts1, [t for t in texts2 if t not in both] or texts2


def _questions(kind: str, about: str, a: str, b: str) -> list[str]:
    """The template's questions for one topic, the fullest first (names left out when they do not fit)."""
    if kind == DisputeKind.CHANGED_POSITION:
        return [f"Did {a} change its account of {about}?", f"Did one side change its account of {about}?"]
    if kind == DisputeKind.LATER_CONTRADICTED:
        return [f"Did later reports overturn the earlier account of {about}?"] * 2
    return [f"Who is right about {about}: {a} or {b}?", f"Who is right about {about}?"]


def statements_text(side1: Sequence[Statement], side2: Sequence[Statement]) -> str:
    lines = []
    for k, side in ((1, side1), (2, side2)):
        for name, date, text in side[:2]:
            when = f" ({date})" if date else ""
            lines.append(f'Side {k}, {_short(name)}{when}: "{clip(" ".join(text.split()), STATEMENT_CHARS)}"')
    return "\n".join(lines)


def model_headline(llm: ChatModel, kind: str, side1: Sequence[Statement],
                   side2: Sequence[Statement]) -> str | None:
    """The model's headline if it passes `check_headline`, else None (the caller uses the template)."""
    prompt = load_prompt("dispute_headline", frozenset({"kind", "statements"}))
    messages = prompt.render(kind=str(kind), statements=statements_text(side1, side2))
    raw = llm.chat(messages, max_tokens=48, temperature=0.0, stop=["\n"])
    claims = [t for _, _, t in list(side1) + list(side2)]
    line = check_headline(raw, claims, borrowed=example_stems(prompt.messages))
    if line is None:
        log.info("dispute headline from the model rejected: %r", (raw or "")[:200])
    return line


def headline(kind: str, side1: Sequence[Statement], side2: Sequence[Statement],
             llm: ChatModel | None = None) -> tuple[str, str]:
    """(headline, "model" | "template")."""
    if llm is not None:
        line = model_headline(llm, kind, side1, side2)
        if line:
            return line, "model"
    return template_headline(kind, side1, side2), "template"
