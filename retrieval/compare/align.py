"""Alignment: which claim of A and which claim of B are about the same point.

Two claims share a row only when (1) their link score (embedding cosine plus a capped bonus for rare
words both use) reaches the match threshold, (2) they share specific content: the IDF mass of the
content words both use (names of the parties aside) reaches the floor (see `Idf`), so the same
general subject is not enough, and (3) a condition or demand ("only after", "must", "demands", the
items listed under "the following conditions:") links only to a claim that responds to it (accepts,
rejects, weighs it: RESPONSE), or to a condition of the other side that demands the same thing, using
most of its specific words (CONDITION_COVER; of the shorter condition's, for two conditions): a side that
never addresses the demand leaves it `only_a`/`only_b`. The thresholds
are checked on a labelled alignment set (bench/compare.py: calibration split only)."""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from retrieval.contradictions.judge import topic_overlap
from retrieval.models import Claim, Passage
from retrieval.text import content_words, is_list_item_gap, stem

MATCH = 0.55  # link score for one row (bench/compare.py reports what the calibration split would pick)
TOPIC_MATCH = 0.45  # within a topic both sides are already on the subject
SPECIFIC = 0.5  # IDF mass of shared content words (names aside), as a share of a one-passage word's IDF
CONDITION_COVER = 0.5  # when exactly one is a condition or demand: share of its specific words the other uses
LEXICAL_WEIGHT, LEXICAL_CAP = 0.04, 0.15
ROW_MOST = 3  # claims of one side in one row: more is a topic, not a point

CONDITION = re.compile(
    r"\b(only (?:if|after|when|once)|on condition|provided that|conditions?|preconditions?|must|"
    r"demand(?:s|ed|ing)?|insist(?:s|ed)?|requir(?:e|es|ed|ement)|ultimatum)\b", re.IGNORECASE)
# How a side addresses the other's demand: accepting, rejecting, weighing it, or a condition of its own.
RESPONSE = re.compile(r"\b(reject\w*|refus\w*|accept\w*|agree[sd]? to|consider\w*|looking at|weigh\w*|"
                      r"request\w*|rul(?:e|es|ed) out|will not|won't|cannot)\b", re.IGNORECASE)
_LEAD_IN = re.compile(r":\s*$")


def is_condition(text: str) -> bool:
    return bool(CONDITION.search(text))


def condition_ids(passages: Iterable[Passage], claims: Sequence[Claim]) -> set[str]:
    """Claims phrased as conditions or demands, and the list items under a condition lead-in
    ("... only after the following conditions have been met:")."""
    out = {c.id for c in claims if is_condition(c.text)}
    regions: list[tuple[str, int, int]] = []
    for p in passages:
        for m in re.finditer(r"[^\n]*:[ \t]*\n((?:[ \t]*[-*•][^\n]*\n?)+)", p.text):
            head = m.group(0)[: m.start(1) - m.start()]
            if is_condition(head) and _LEAD_IN.search(head):
                regions.append((p.doc, p.start + m.start(1), p.start + m.end(1)))
    regions += _item_runs(passages)
    for c in claims:
        if any(c.doc == doc and s <= c.start < e for doc, s, e in regions):
            out.add(c.id)
    return out


def _item_runs(passages: Iterable[Passage]) -> list[tuple[str, int, int]]:
    """Where the index split a list into passages: the passages right after a condition lead-in
    ("... the following conditions have been met:"), each after a newline and a list marker."""
    runs, lead = [], None
    for p in sorted(passages, key=lambda p: (p.doc, p.start)):
        if lead is not None and lead[0] == p.doc and is_list_item_gap(p.start - lead[2]):
            runs.append((p.doc, p.start, p.end))
            lead = (p.doc, lead[1], p.end)
            continue
        head = p.text.rstrip()
        lead = (p.doc, p.start, p.end) if head.endswith(":") and is_condition(head) else None
    return runs


class Idf:
    """IDF over the texts of both sides; `floor`: the shared IDF mass that makes two claims specific
    to one point (SPECIFIC times the IDF of a word found in one text only)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.df = Counter(s for t in texts for s in {stem(w) for w in content_words(t)})
        self.n = len(texts)
        self.floor = SPECIFIC * math.log((self.n + 1) / 2)

    def __call__(self, s: str) -> float:
        return math.log((self.n + 1) / (self.df[s] + 1))


def make_idf(texts: Sequence[str]) -> Idf:
    return Idf(texts)


def mass(text: str, idf, ignore: set[str]) -> float:
    return sum(idf(s) for s in {stem(w) for w in content_words(text)} - ignore)


def link_scores(embedder, claims_a: Sequence[Claim], claims_b: Sequence[Claim], idf, ignore: set[str]
                ) -> tuple[np.ndarray, np.ndarray]:
    """(score, specific): cosine plus a capped lexical bonus; and the IDF mass of shared words."""
    ea = embedder.embed([c.text for c in claims_a])
    eb = embedder.embed([c.text for c in claims_b])
    spec = np.array([[topic_overlap(x.text, y.text, idf, ignore) for y in claims_b] for x in claims_a])
    return ea @ eb.T + np.minimum(LEXICAL_CAP, LEXICAL_WEIGHT * spec), spec


def same_point(score: float, specific: float, cover: float | None, match: float, floor: float) -> bool:
    """`cover`: when exactly one claim is a condition or demand, the share of its specific words the
    other uses (None otherwise)."""
    if score < match or specific < floor:
        return False
    return cover is None or cover >= CONDITION_COVER


def gated(scores: np.ndarray, spec: np.ndarray, claims_a: Sequence[Claim], claims_b: Sequence[Claim],
          conditions: set[str], idf, ignore: set[str], match: float) -> np.ndarray:
    """The link scores with pairs that are not about the same point set to -1."""
    out = scores.copy()
    for i, x in enumerate(claims_a):
        for j, y in enumerate(claims_b):
            cover = None
            if (x.id in conditions) != (y.id in conditions):
                demand, other = (x, y) if x.id in conditions else (y, x)
                answers = bool(RESPONSE.search(other.text))  # mentioning the subject is not addressing it
                cover = spec[i, j] / max(mass(demand.text, idf, ignore), 1e-9) if answers else 0.0
            elif x.id in conditions:  # two conditions share a row only when they demand the same thing
                cover = spec[i, j] / max(min(mass(x.text, idf, ignore), mass(y.text, idf, ignore)), 1e-9)
            if not same_point(scores[i, j], spec[i, j], cover, match, idf.floor):
                out[i, j] = -1.0
    return out


def components(sims: np.ndarray, match: float, most: int = ROW_MOST) -> list[tuple[list[int], list[int]]]:
    """Star-shaped groups, so chains never merge unrelated points: every A claim joins its best B
    claim (if >= match), the `most` strongest links of each B claim at most: a hub sentence that many
    claims resemble is one point, not a whole topic, and the weaker ones stay their side's own. A B
    claim nobody joined joins the group of its best A claim (if >= match) while it holds fewer than
    `most` B claims."""
    na, nb = sims.shape
    if not na or not nb:
        return []
    groups: dict[int, tuple[list[int], list[int]]] = {}
    best_b = sims.argmax(axis=1)
    for i in sorted(range(na), key=lambda i: -sims[i, best_b[i]]):
        j = int(best_b[i])
        if sims[i, j] >= match and len(groups.get(j, ([],))[0]) < most:
            groups.setdefault(j, ([], [j]))[0].append(i)
    joined_a = {i: j for j, (ia, _) in groups.items() for i in ia}
    for j in range(nb):
        i = int(sims[:, j].argmax())
        if j not in groups and sims[i, j] >= match and i in joined_a and len(groups[joined_a[i]][1]) < most:
            groups[joined_a[i]][1].append(j)
    return [(sorted(ia), ib) for ia, ib in groups.values()]
