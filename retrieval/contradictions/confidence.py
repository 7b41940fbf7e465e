"""A dispute's confidence: the share of real conflicts among disputes backed by the same evidence.

The judge's score does not rank the pairs it flags (on the calibration split, flagged pairs scoring
0.5-0.8, 0.8-1.0 and 1.0 are about equally often real), so the strongest pair's score says little about a
dispute. What does is corroboration: how many *independent* strong pairs back it. Pairs are independent
when no two share a claim, so one sentence the model opposes to many others ("Moscow insists on consular
access" against an expulsion, a hospital bulletin and a charge) counts once, however many pairs it
forms; the count is a maximum matching over the dispute's claims. One speaker's statements on two dates
(a changed position) count for nothing here: such pairs are real conflicts about one time in five.

A dispute falls in one evidence class (`evidence_class`), and its confidence is that class's rate of
real disputes, fitted on the labelled digest runs of the calibration corpora
(`python -m bench.confidence --write` writes `confidence.json` next to this module):

- `corroborated`: at least two independent strong pairs (judge score >= STRONG) between speakers;
- `single`: one (or several sharing a claim);
- `weak`: none (pairs below STRONG, or a changed position only)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Hashable, Iterable, Sequence

STRONG = 0.8  # a pair the judge is sure of; below it a pair is weak evidence
CLASSES = ("corroborated", "single", "weak")
FITTED = Path(__file__).with_name("confidence.json")


def matching(edges: Iterable[tuple[Hashable, Hashable]]) -> list[tuple[Hashable, Hashable]]:
    """A largest set of the pairs no two of which share a claim (maximum matching, augmenting paths;
    a dispute's pairs are few)."""
    adj: dict[Hashable, set[Hashable]] = {}
    for a, b in edges:
        if a != b:
            adj.setdefault(a, set()).add(b)
            adj.setdefault(b, set()).add(a)
    mate: dict[Hashable, Hashable] = {}

    def augment(u: Hashable, seen: set[Hashable]) -> bool:
        for v in sorted(adj[u], key=str):
            if v in seen:
                continue
            seen.add(v)
            if v not in mate or augment(mate[v], seen):
                mate[u], mate[v] = v, u
                return True
        return False

    for u in sorted(adj, key=str):
        if u not in mate:
            augment(u, {u})
    out: list[tuple[Hashable, Hashable]] = []
    done: set[Hashable] = set()
    for u, v in mate.items():
        if u not in done:
            done.update((u, v))
            out.append((u, v))
    return out


def independent_pairs(edges: Iterable[tuple[Hashable, Hashable]]) -> int:
    """How many of the pairs share no claim with one another (the size of a maximum matching)."""
    return len(matching(edges))


def key_pairs(pairs: Sequence[tuple[Hashable, Hashable, float, bool]], limit: int = 3) -> list[int]:
    """Indices of the pairs that are a dispute's evidence, strongest first: its independent strong pairs
    between speakers (the strongest that share no claim, as many as the evidence class counts), or,
    with none, its strongest pair. What a reader is shown first: a large dispute's other pairs mostly
    repeat one of these claims."""
    if not pairs:
        return []
    order = sorted(range(len(pairs)), key=lambda i: -pairs[i][2])
    strong = [i for i in order if pairs[i][2] >= STRONG and not pairs[i][3]]
    greedy: list[int] = []
    used: set[Hashable] = set()
    for i in strong:
        a, b = pairs[i][0], pairs[i][1]
        if a not in used and b not in used:
            greedy.append(i)
            used.update((a, b))
    best = matching((pairs[i][0], pairs[i][1]) for i in strong)
    if len(greedy) < len(best):  # the strongest pair blocked two others: take the larger set
        wanted = {frozenset(e): None for e in best}
        for i in strong:  # strongest first, one pair per matched edge
            edge = frozenset(pairs[i][:2])
            if edge in wanted and wanted[edge] is None:
                wanted[edge] = i
        greedy = sorted((i for i in wanted.values() if i is not None), key=lambda i: -pairs[i][2])
    return (greedy or order[:1])[:limit]


def evidence_class(pairs: Iterable[tuple[Hashable, Hashable, float, bool]]) -> str:
    """`pairs`: (claim key, claim key, judge score, same speaker) of a dispute's live pairs."""
    strong = [(a, b) for a, b, score, same in pairs if score >= STRONG and not same]
    n = independent_pairs(strong)
    return "corroborated" if n >= 2 else "single" if n == 1 else "weak"


@lru_cache(maxsize=1)
def class_confidence() -> dict[str, float]:
    """The fitted rate of real disputes per evidence class."""
    data = json.loads(FITTED.read_text(encoding="utf-8"))
    return {c: float(data["confidence"][c]) for c in CLASSES}


def dispute_confidence(pairs: Iterable[tuple[Hashable, Hashable, float, bool]]) -> tuple[str, float]:
    """(evidence class, confidence) of a dispute from its live pairs."""
    cls = evidence_class(pairs)
    return cls, class_confidence()[cls]
