"""The passages a question is answered from: a wider pool from hybrid search, reordered by what the
answer checks will ask of them.

Search ranks passages by fused BM25 and embedding rank, which cannot tell "the talks lasted about eight
hours" (Jeddah) from "the delegations met for about 12 hours" (Riyadh) for "How long did the American
and Russian delegations sit down in Riyadh?". Of the best `pool` passages, the `k` kept are those that
cover most of the question's topic terms (the "about …" phrase counted double, demonyms as their
name), give what the question asks for (a number, a date), and are about the day it names; search
rank breaks near-ties. The answer checks then find their evidence among the passages the model reads."""
from __future__ import annotations

from typing import Callable, Sequence

from retrieval.answers.dates import about_day, asked_day
from retrieval.answers.kinds import asked_kind, gives
from retrieval.answers.relevance import asked_speaker, coverage, weighted_terms
from retrieval.models import Hit

KIND_BONUS = 0.5   # a passage stating a number for a "how many" (a date for a "when")
DAY_BONUS = 0.5    # a passage about the day the question names
RANK_COST = 0.03   # per place in search's own ranking


def rerank(question: str, hits: Sequence[Hit], idf: Callable[[str], float], k: int) -> list[Hit]:
    """The `k` hits that best fit the question, best first."""
    terms = weighted_terms(question, asked_speaker(question))
    kind, day = asked_kind(question), asked_day(question)

    def score(rank: int, h: Hit) -> float:
        p = h.passage
        s = coverage(terms, f"{p.title}\n{p.text}", idf) - RANK_COST * rank
        if kind and gives(kind, p.text):
            s += KIND_BONUS
        if day and about_day(day, p, p.text):
            s += DAY_BONUS
        return s

    ranked = sorted(enumerate(hits), key=lambda rh: -score(*rh))
    return [h for _, h in ranked[:k]]
