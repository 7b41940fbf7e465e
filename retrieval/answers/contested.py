"""Which disputes an answer's citations are part of.

An answer quotes statements verbatim; when a quoted statement is part of a contradiction pair of a live
dispute (another source says otherwise), the reader should know before relying on it. A citation is
part of a pair when it quotes, in the same document, text that overlaps one of the pair's claims; the
pair's other claim is what the answer quotes against it (a large dispute can hold several points, so
the other side's claims in general need not answer this statement: the pair's own partner does).
Dismissed pairs and disputes, and disputes below the confidence floor
(`answer_contested_min_confidence`), are left out: weak evidence would mark too many statements."""
from __future__ import annotations

from typing import Iterable, Sequence

from retrieval.models import Citation, Contested, Contradiction, Dispute
from retrieval.vocab import DisputeStatus, PairStatus

LIMIT = 3  # disputes named under one answer, strongest first
AGAINST = 2  # statements quoted against the cited ones, per dispute (the rest: `analyst disputes`)


def _overlaps(a: Citation, b: Citation) -> bool:
    return a.doc == b.doc and a.start < b.end and b.start < a.end


def contested(citations: Sequence[Citation], disputes: Iterable[Dispute], pairs: Iterable[Contradiction],
              min_confidence: float, limit: int = LIMIT) -> list[Contested]:
    """The live disputes at or above `min_confidence` with a pair holding what `citations` quote,
    strongest first, each with the numbers of the citations concerned and the pairs' other claims,
    strongest pair first (none when the citations quote both claims of every such pair)."""
    by_dispute: dict[str, list[Contradiction]] = {}
    for p in pairs:
        if p.dispute and p.status not in (PairStatus.DISMISSED, PairStatus.RETIRED):
            by_dispute.setdefault(p.dispute, []).append(p)
    out: list[Contested] = []
    for d in disputes:
        if d.status == DisputeStatus.DISMISSED or d.confidence < min_confidence:
            continue
        cited: set[int] = set()
        against: list[Citation] = []
        for p in sorted(by_dispute.get(d.id, []), key=lambda p: -p.score):
            in_a = [c.n for c in citations if _overlaps(c, p.a)]
            in_b = [c.n for c in citations if _overlaps(c, p.b)]
            cited.update(in_a + in_b)
            other = p.b if in_a and not in_b else p.a if in_b and not in_a else None
            if other is not None and not any(_overlaps(other, q) for q in against):
                against.append(other)
        if cited:
            out.append(Contested(d.id, d.headline, d.confidence, d.status, sorted(cited), against[:AGAINST]))
    out.sort(key=lambda x: (-x.confidence, x.cited[0], x.id))
    return out[:limit]
