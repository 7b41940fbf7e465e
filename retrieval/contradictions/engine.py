"""Contradiction detection at index time.

For the documents an index run changed: replace their claims (SQLite `claims_items` + the Chroma
collection `claims`), retire ledger entries whose claims are gone, then for each new claim fetch its
nearest neighbours by OTHER speakers from the vector index (one k-NN query per claim, so the cost grows
linearly with the corpus, never with the number of pairs), rank the candidate pairs by similarity plus
entity and number overlap, and judge them: deterministic checks for every pair, the LLM for the best
ranked pairs within a budget, asked claim by claim (`judging.py`). Contradictions above
`settings.contradiction_threshold` go to the ledger."""
from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import time
from collections import Counter
from typing import Callable, Sequence

import numpy as np

from retrieval.contradictions.backlog import Backlog, Candidate
from retrieval.contradictions.claims import extract_claims, reported_party, same_paragraph
from retrieval.errors import LLMUnavailableError
from retrieval.contradictions.judge import RULES, Judge
from retrieval.contradictions.judging import JudgingPass
from retrieval.contradictions.ledger import Ledger, pair_id
from retrieval.models import Claim, Document, Passage
from retrieval.contradictions.quantities import extract_quantities
from retrieval.corpus.sources import SourceRegistry
from retrieval.llm import ChatModel
from retrieval.settings import Settings
from retrieval.text import content_words, stem

log = logging.getLogger(__name__)
COLLECTION = "claims"
BATCH = 500
OVERSAMPLE = 3  # neighbours fetched per wanted neighbour, before dropping same-speaker ones
CONTEXT_BACK = 3
_OMISSION = re.compile(r"\b(?:does|did|do) not (?:specify|say|mention|spell out|include|address)\b|"
                       r"\bmade no (?:reference|mention)\b|\bwas not (?:given|specified|mentioned)\b", re.I)
_POLARITY = re.compile(r"\b(?:no|not|never|none|nothing|without|halt|halted|stop|stopped|cessation|cease|end|"
                       r"reject|rejected|deny|denied|refuse|refused|increase|more|despite|however|but)\b|n't\b", re.I)
_HEDGE = re.compile(r"\b(?:may|might|could|perhaps|possibly|likely|unlikely|hopes?)\b", re.I)
_ENTITY = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


class ContradictionEngine:
    def __init__(self, settings: Settings, embedder, store, ledger: Ledger, registry: SourceRegistry,
                 llm_getter: Callable[[], ChatModel | None]) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.ledger = ledger
        self.llm_getter = llm_getter
        self.registry = registry
        self._collection = None
        self._lock = threading.Lock()
        self.backlog = Backlog(ledger)

    @property
    def collection(self):
        if self._collection is None:
            self._collection = self.store.side_collection(COLLECTION)
        return self._collection

    # ---- the index-time hook ----------------------------------------------------------------
    def update(self, changed: list[tuple[Document, list[Passage]]], removed_docs: list[str]) -> int:
        """Refresh the claims of changed/removed documents and record new contradictions (their count)."""
        with self._lock:
            t0 = time.monotonic()
            docs = sorted({d.doc for d, _ in changed} | set(removed_docs))
            claims = extract_claims(p for _, passages in changed for p in passages)
            embeddings = self.store_claims(docs, claims)
            retired = self.ledger.retire_stale(docs)
            candidates = self.candidates(claims, embeddings)
            candidates = merge(candidates, self.context_candidates([d for d, _ in changed], claims, embeddings),
                               self.backlog.take())
            new = self.judge_candidates(candidates, budget=self.llm_budget(len(claims)))
            log.info("contradictions: %d claims from %d docs, %d candidate pairs, %d new, %d retired, %d waiting "
                     "for the model (%.1fs)", len(claims), len(docs), len(candidates), new, retired,
                     self.backlog.count(), time.monotonic() - t0)
            return new

    def drain(self) -> int:
        """Judge pairs that wait for the model (an index run that changed nothing): new contradictions."""
        with self._lock:
            waiting = self.backlog.take()
            if not waiting:
                return 0
            new = self.judge_candidates(waiting, budget=self.llm_budget(len(waiting)))
            left = self.backlog.count()
            log.info("contradictions: %d waiting pair(s) judged, %d new, %d still waiting",
                     len(waiting) - left, new, left)
            return new

    def store_claims(self, docs: Sequence[str], claims: list[Claim],
                     embeddings: np.ndarray | None = None) -> np.ndarray:
        if docs:
            self.collection.delete(where={"doc": {"$in": list(docs)}})
        self.ledger.replace_claims(docs, claims)
        if embeddings is None:
            embeddings = self.embedder.embed([c.text for c in claims])
        for i in range(0, len(claims), BATCH):
            part = claims[i : i + BATCH]
            self.collection.upsert(ids=[c.id for c in part], documents=[c.text for c in part],
                                   embeddings=[e.tolist() for e in embeddings[i : i + BATCH]],
                                   metadatas=[_meta(c) for c in part])
        return embeddings

    # ---- candidates -----------------------------------------------------------------------
    def candidates(self, claims: list[Claim], embeddings: np.ndarray) -> list[Candidate]:
        """Pairs (new claim, neighbour by another speaker) above the similarity floor, best first."""
        total = self.collection.count()
        keep = [i for i, c in enumerate(claims) if self.is_assertion(c)]
        if not keep or total < 2:
            return []
        want = self.settings.claim_neighbours
        n = min(total, want * OVERSAMPLE + 1)
        seen: set[str] = set()
        out: list[Candidate] = []
        for b in range(0, len(keep), BATCH):
            idx = keep[b : b + BATCH]
            res = self.collection.query(query_embeddings=[embeddings[i].tolist() for i in idx], n_results=n,
                                        include=["documents", "metadatas", "distances"])
            for row, i in enumerate(idx):
                out += self._pairs_for(claims[i], res, row, want, seen)
        out.sort(key=lambda c: -c.priority)
        return out

    def _pairs_for(self, claim: Claim, res: dict, row: int, want: int, seen: set[str]) -> list[Candidate]:
        out: list[Candidate] = []
        for cid, text, meta, dist in zip(res["ids"][row], res["documents"][row], res["metadatas"][row],
                                         res["distances"][row]):
            if len(out) >= want:
                break
            sim = 1.0 - float(dist)
            if sim < self.settings.claim_similarity_floor or (
                    meta["speaker"] == claim.speaker and (not claim.date or meta.get("date", claim.date) == claim.date)):
                continue  # one speaker's claims are compared only across documents dated apart
            other = _claim(cid, text, meta)
            key = pair_id(claim, other)
            if key in seen or not self.is_assertion(other):
                continue
            seen.add(key)
            a, b = sorted((claim, other), key=lambda c: (c.doc, c.start))
            out.append(Candidate(a, b, sim, sim + overlap_bonus(a.text, b.text)))
        return out

    def context_candidates(self, docs: list[Document], claims: list[Claim],
                           embeddings: np.ndarray) -> list[Candidate]:
        """Pairs of claims by different speakers within one paragraph: a publisher's aside ("(There has
        so far been no news of such a swap)") refers to what precedes it, which the embedding alone
        cannot see. At most CONTEXT_BACK claims back, so this is linear too."""
        text = {d.doc: d.text for d in docs}
        out: list[Candidate] = []
        for j, c in enumerate(claims):
            for i in range(max(0, j - CONTEXT_BACK), j):
                p = claims[i]
                if p.speaker == c.speaker or not same_paragraph(text.get(c.doc), p, c):
                    continue
                if not (self.is_assertion(p) and self.is_assertion(c)):
                    continue
                sim = float(np.dot(embeddings[i], embeddings[j]))
                out.append(Candidate(p, c, sim, max(sim, self.settings.claim_similarity_floor) + 0.1, True))
        return out

    def is_assertion(self, c: Claim) -> bool:
        return is_assertion(c, self.registry.alias_items())

    def llm_budget(self, n_claims: int) -> int:
        configured = self.settings.contradiction_llm_pairs
        return int(configured) if configured is not None else max(24, min(150, int(1.5 * n_claims)))

    # ---- judging --------------------------------------------------------------------------
    def judge_candidates(self, candidates: list[Candidate], budget: int) -> int:
        """Judge the pairs (the model on the best-ranked, within `budget`: `judging.py`), record the
        contradictions, and keep the pairs the model did not see for a later run."""
        llm = self._llm()
        judge = Judge(llm, names=self.registry.display, aliases=self.registry.alias_items(), idf=self.idf())
        judging = JudgingPass(judge, self.ledger, _judge_version(judge, llm))
        new = 0
        for cand, verdict in judging.verdicts(candidates, budget):
            if verdict.label == "contradiction" and verdict.score >= self.settings.contradiction_threshold:
                if self.ledger.record(cand.a, cand.b, verdict.score, verdict.explanation, kind=verdict.kind):
                    new += 1
                    log.info("contradiction %.2f: %r vs %r", verdict.score, cand.a.text[:60], cand.b.text[:60])
        self.backlog.remove(pair_id(c.a, c.b) for c in candidates)
        self.backlog.add((pair_id(c.a, c.b), c) for c in judging.waiting)
        return new

    def idf(self) -> Callable[[str], float]:
        """Inverse document frequency of content-word stems over all stored claims (one pass: linear)."""
        df: Counter[str] = Counter()
        claims = self.ledger.claims()
        for c in claims:
            df.update({stem(w) for w in content_words(c.text)})
        n = max(len(claims), 1)
        return lambda s: math.log((n + 1) / (df.get(s, 0) + 1))

    def _llm(self):
        try:
            return self.llm_getter()
        except LLMUnavailableError as exc:
            log.warning("contradiction judge: no model (%s); deterministic checks only", exc.user_message)
            return None


def is_assertion(c: Claim, aliases: Sequence[tuple[str, str]]) -> bool:
    """False for a claim that only reports what another party said ("X said that ..."), or only remarks
    on what a statement leaves out: an omission is not a contradiction. `aliases`: the registry's."""
    if _OMISSION.search(c.text):
        return False
    party = reported_party(c.text, aliases)
    return party is None or party == c.speaker


def merge(*lists: list[Candidate]) -> list[Candidate]:
    """One candidate per pair (the higher priority wins), best first."""
    best: dict[str, Candidate] = {}
    for cand in (c for lst in lists for c in lst):
        key = pair_id(cand.a, cand.b)
        if key not in best or cand.priority > best[key].priority:
            best[key] = cand
    return sorted(best.values(), key=lambda c: -c.priority)


def overlap_bonus(a: str, b: str) -> float:
    """Extra ranking signals: shared named entities, both stating quantities, opposite polarity."""
    ents = len(set(_ENTITY.findall(a)) & set(_ENTITY.findall(b)))
    nums = bool(extract_quantities(a)) and bool(extract_quantities(b))
    polar = bool(_POLARITY.search(a)) != bool(_POLARITY.search(b))
    hedged = bool(_HEDGE.search(a)) or bool(_HEDGE.search(b))
    return 0.03 * min(ents, 3) + (0.05 if nums else 0.0) + (0.04 if polar else 0.0) - (0.05 if hedged else 0.0)


def _judge_version(judge: Judge, llm) -> str:
    raw = repr((RULES, judge.prompt.messages, judge.p_floor, judge.p_ceil, llm.model if llm is not None else None))
    return hashlib.sha1(raw.encode()).hexdigest()[:8]


def _meta(c: Claim) -> dict:
    meta = {"doc": c.doc, "source": c.source, "speaker": c.speaker, "title": c.title, "start": c.start,
            "end": c.end, "passage_id": c.passage_id}
    if c.date:
        meta["date"] = c.date
    if c.url:
        meta["url"] = c.url
    return meta


def _claim(cid: str, text: str, meta: dict) -> Claim:
    return Claim(id=cid, passage_id=meta.get("passage_id", ""), doc=meta["doc"], source=meta["source"],
                 speaker=meta["speaker"], title=meta.get("title", ""), start=int(meta["start"]),
                 end=int(meta["end"]), text=text, date=meta.get("date"), url=meta.get("url"))
