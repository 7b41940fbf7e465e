"""One index run's pass of the judge over its candidate pairs.

Cached model verdicts and the rules before the model settle what they can, for every pair. The model
then judges the best-ranked of the rest, within the run's budget of pairs (model calls that were cached
cost nothing and count for nothing); the others wait in the backlog (`backlog.py`), as do the pairs left
when the model goes down mid-run.

The model is asked in runs of pairs that share a claim, that claim shown first, each run's first looks
back to back and its second looks (the other order, for pairs above the floor: `Judge.conclude`) after
them. llama.cpp reuses the longest prompt prefix it evaluated last, so the shared claim is read once per
run instead of once per pair, and the order of a pair's two looks changes neither its verdict nor its
score. Replaying the 98 model-judged pairs of a kept fr4978 digest run against the local model
(scratch, the same prompts): 21 runs, 490 s against 600 s in ranking order; 96 pairs got the same
decision, and the two others sit at the threshold (a prefix reused at another point changes the
model's numbers by up to 0.05)."""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Callable, TypeVar

from retrieval.contradictions.backlog import Candidate
from retrieval.contradictions.judge import Judge, Verdict, conflict_kind, with_kind
from retrieval.contradictions.ledger import Ledger, pair_id
from retrieval.errors import BusyError, LLMUnavailableError
from retrieval.models import Claim

log = logging.getLogger(__name__)
T = TypeVar("T")
Run = list[tuple[Candidate, Claim]]  # pairs sharing a claim, each with the claim shown first


def model_order(candidates: Sequence[Candidate]) -> list[Run]:
    """Runs of pairs that share a claim, that claim leading: greedily the claim in most remaining
    pairs leads the next run (ties: the claim of the better-ranked pair); a run keeps ranking order."""
    left = list(candidates)
    runs: list[Run] = []
    while left:
        count = Counter(c.id for cand in left for c in (cand.a, cand.b))
        lead = max(count, key=count.__getitem__)  # the first maximum: dicts keep insertion order
        runs.append([(cand, cand.a if cand.a.id == lead else cand.b) for cand in left
                     if lead in (cand.a.id, cand.b.id)])
        left = [cand for cand in left if lead not in (cand.a.id, cand.b.id)]
    return runs


class JudgingPass:
    def __init__(self, judge: Judge, ledger: Ledger, version: str, tries: int = 10) -> None:
        self.judge, self.ledger, self.version, self.tries = judge, ledger, version, tries
        self.waiting: list[Candidate] = []  # after the pass: the pairs left for the model

    def verdicts(self, candidates: Iterable[Candidate], budget: int) -> Iterator[tuple[Candidate, Verdict]]:
        """Each judged pair with its verdict, as it is settled; pairs with no model at all are settled by
        the rules alone ("unchecked" when only a model could say)."""
        asking = self.judge.llm is not None
        for_model: list[Candidate] = []
        for cand in candidates:
            verdict = self._settled(cand)
            if verdict.method == "unchecked" and asking:
                for_model.append(cand)
            else:
                yield cand, verdict
        self.waiting = for_model[budget:]
        for run in model_order(for_model[:budget]):
            yield from self._ask(run)

    def _settled(self, cand: Candidate) -> Verdict:
        """A cached model verdict, or what the rules say without the model."""
        if self.judge.llm is not None:
            cached = self.ledger.cached_verdict(self._key(cand))
            if cached is not None:
                return with_kind(Verdict(*cached, method="llm"), conflict_kind(cand.a, cand.b))
        return self.judge.judge(cand.a, cand.b, similarity=cand.similarity, use_llm=False, adjacent=cand.adjacent)

    def _ask(self, run: Run) -> Iterator[tuple[Candidate, Verdict]]:
        """A run's first looks back to back, then each pair's conclusion; on a model failure the pairs
        not yet judged wait, and so do all later runs (`judge.llm` is cleared)."""
        done: set[str] = set()
        try:
            looks = []
            for cand, lead in run:
                if self.judge.llm is None:
                    break
                other = cand.b if lead is cand.a else cand.a
                looks.append((cand, lead, self._patiently(self.judge.look, lead, other)))
            for cand, lead, look in looks:
                verdict = self._patiently(self.judge.conclude, cand.a, cand.b, look, cand.similarity,
                                          cand.adjacent, lead)
                self.ledger.cache_verdict(self._key(cand), verdict.label, verdict.score, verdict.explanation)
                done.add(pair_id(cand.a, cand.b))
                yield cand, verdict
        except (LLMUnavailableError, BusyError) as exc:
            log.warning("contradiction judge: model unavailable (%s); the pairs it has not judged wait",
                        exc.user_message)
            self.judge.llm = None
        self.waiting += [cand for cand, _ in run if pair_id(cand.a, cand.b) not in done]

    def _patiently(self, call: Callable[..., T], *args) -> T:
        """Detection runs in the background: when the model is busy answering questions, wait for it
        (each try waits up to llm_queue_timeout_s) rather than give up."""
        for attempt in range(self.tries):
            try:
                return call(*args)
            except BusyError:
                if attempt == self.tries - 1:
                    raise
                log.info("contradiction judge: model busy, waiting for a slot")
        raise AssertionError("unreachable")

    def _key(self, cand: Candidate) -> str:
        return f"{pair_id(cand.a, cand.b)}:{self.version}"
