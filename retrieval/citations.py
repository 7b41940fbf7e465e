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

from retrieval.attribution import split_sentences
from retrieval.models import Citation, Hit
from retrieval.search import tokenize

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
    return sum(idf(t) for t in words & set(tokenize(passage))) / total


def _fix_sentence(sentence: str, hits: Sequence[Hit], idf) -> str:
    scores = [support(sentence, h.passage.text, idf) for h in hits]
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


def verify_citations(text: str, hits: Sequence[Hit], idf: Callable[[str], float]) -> str:
    out, pos = [], 0
    for s in split_sentences(text, 0, len(text)):
        out.append(text[pos:s.start])
        out.append(_fix_sentence(s.text, hits, idf) if tokenize(CITE.sub("", s.text)) else s.text)
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def resolve_citations(text: str, hits: Sequence[Hit]) -> tuple[str, list[Citation]]:
    """Map [n] keys to passages, drop invented ones, renumber by first use."""
    order: dict[int, int] = {}

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
    citations = [Citation.from_passage(new, hits[old - 1].passage) for old, new in order.items()]
    return cleaned, sorted(citations, key=lambda c: c.n)
