"""Which disputes an answer's citations are part of.

An answer quotes statements verbatim; when a quoted statement is one side of a live dispute (another
source says otherwise), the reader should know before relying on it. A citation is part of a dispute
when it quotes, in the same document, text that overlaps one of the dispute's cited claims. Dismissed
disputes and those below the confidence floor (`answer_contested_min_confidence`) are left out: weak
evidence would mark too many statements as contested."""
from __future__ import annotations

from typing import Iterable, Sequence

from retrieval.models import Citation, Contested, Dispute
from retrieval.vocab import DisputeStatus

LIMIT = 3  # disputes named under one answer, strongest first
AGAINST = 2  # claims of the other side quoted with each (the rest: `analyst disputes`)


def _overlaps(a: Citation, b: Citation) -> bool:
    return a.doc == b.doc and a.start < b.end and b.start < a.end


def contested(citations: Sequence[Citation], disputes: Iterable[Dispute], min_confidence: float,
              limit: int = LIMIT) -> list[Contested]:
    """The live disputes at or above `min_confidence` whose sides quote what `citations` quote,
    strongest first, each with the numbers of the citations concerned and the first claims of the
    side they do not quote (none when the citations quote both sides)."""
    out: list[Contested] = []
    for d in disputes:
        if d.status == DisputeStatus.DISMISSED or d.confidence < min_confidence:
            continue
        hit = {s.side for s in d.sides for q in s.citations if any(_overlaps(c, q) for c in citations)}
        if not hit:
            continue
        claims = [q for s in d.sides if s.side in hit for q in s.citations]
        cited = sorted({c.n for c in citations if any(_overlaps(c, q) for q in claims)})
        against = [q for s in d.sides if s.side not in hit for q in s.citations][:AGAINST]
        out.append(Contested(d.id, d.headline, d.confidence, d.status, cited, against))
    out.sort(key=lambda x: (-x.confidence, x.cited[0], x.id))
    return out[:limit]
