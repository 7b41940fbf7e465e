"""Sentences and lines with absolute offsets: one splitter for attribution, claims and the fronts."""
from __future__ import annotations

import re
from dataclasses import dataclass

# How far a list item starts from the passage before it ("\n- ", "\n\n- ", "\n\n1. "), once the
# index has split a list into one passage per item.
LIST_GAP = (3, 6)


def is_list_item_gap(gap: int) -> bool:
    return LIST_GAP[0] <= gap <= LIST_GAP[1]


_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)")
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Sgt|Rep|Sen|Gov|Prof|Jr|Sr|No|vs|etc|approx|Jan|Feb|"
                     r"Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z]|\b(?:[A-Za-z]\.){1,3}[A-Za-z])\.$")
_OPENERS = "\"“‘'(–—-["
BULLET = re.compile(r"^\s*(?:[-*•–—]|\d{1,3}[.)])\s+")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def sentence_ends(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets just after each sentence end in text[start:end] (not after "Mr." or "U.S.")."""
    end = len(text) if end is None else end
    cuts, cur = [], start
    for m in _END.finditer(text, start, end):
        if text[m.start()] == "." and _ABBREV.search(text[cur : m.start() + 1]):
            continue
        nxt = text[m.end():end].lstrip()
        if nxt and not (nxt[0].isupper() or nxt[0].isdigit() or nxt[0] in _OPENERS):
            continue
        cuts.append(m.end())
        cur = m.end()
    return cuts


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text[start:end], untrimmed, covering the range."""
    end = len(text) if end is None else end
    spans, cur = [], start
    for cut in sentence_ends(text, start, end):
        spans.append((cur, cut))
        cur = cut
    if text[cur:end].strip():
        spans.append((cur, end))
    return spans


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Sentences of text[start:end] with absolute offsets, surrounding whitespace trimmed."""
    out = []
    for s, e in sentence_spans(text, start, end):
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append(Sentence(s, e, text[s:e]))
    return out


def line_spans(text: str, strip_bullets: bool = True) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line; a bullet's marker is left out when `strip_bullets`."""
    spans, pos = [], 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line.rstrip("\r"))
        pos += len(line) + 1
        m = BULLET.match(line) if strip_bullets else None
        if m:
            start += m.end()
        if text[start:end].strip():
            spans.append((start, end))
    return spans
