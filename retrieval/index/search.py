"""Hybrid retrieval: dense similarity (Chroma) + BM25 keyword scores, fused by reciprocal rank,
filtered by source / speaker, with near-duplicate neighbours removed."""
from __future__ import annotations

import logging
import re
import math
import threading
from collections import Counter
from typing import Any, Sequence

import bm25s
import numpy as np

from retrieval.models import Hit, Passage
from retrieval.text import tokenize

log = logging.getLogger(__name__)
RRF_K = 60


def where_clause(sources: Sequence[str] = (), speakers: Sequence[str] = (),
                 parties: Sequence[str] = ()) -> dict | None:
    parts: list[dict] = []
    if sources:
        parts.append({"source": {"$in": list(sources)}})
    if speakers:
        parts.append({"speaker": {"$in": list(speakers)}})
    if parties:
        parts.append({"$or": [{"source": {"$in": list(parties)}}, {"speaker": {"$in": list(parties)}}]})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


class HybridSearcher:
    def __init__(self, store: Any, embedder: Any, settings: Any) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._lock = threading.Lock()
        self._built = False

    def _build(self) -> None:
        with self._lock:
            if self._built:
                return
            passages = self.store.all_passages()
            self.passages = passages
            self.by_id = {p.id: i for i, p in enumerate(passages)}
            self.next_in_doc = _successors(passages)
            self.source_arr = np.array([p.source for p in passages], dtype=object)
            self.speaker_arr = np.array([p.speaker for p in passages], dtype=object)
            corpus = [tokenize(p.text) for p in passages]
            self.df = Counter(t for toks in corpus for t in set(toks))
            self.vocab = set(self.df)
            self.bm25 = bm25s.BM25()
            if passages:
                self.bm25.index(corpus, show_progress=False)
            self._built = True
            log.debug("keyword index built over %d passages", len(passages))

    def known_terms(self) -> set[str]:
        self._build()
        return self.vocab

    def idf(self, term: str) -> float:
        self._build()
        n = len(self.passages) or 1
        return math.log(1 + (n - self.df.get(term, 0) + 0.5) / (self.df.get(term, 0) + 0.5))

    def _mask(self, sources, speakers, parties) -> np.ndarray:
        mask = np.ones(len(self.passages), dtype=bool)
        if sources:
            mask &= np.isin(self.source_arr, list(sources))
        if speakers:
            mask &= np.isin(self.speaker_arr, list(speakers))
        if parties:
            mask &= np.isin(self.source_arr, list(parties)) | np.isin(self.speaker_arr, list(parties))
        return mask

    def keyword(self, query: str, n: int, sources=(), speakers=(), parties=()) -> list[tuple[int, float]]:
        self._build()
        tokens = [t for t in tokenize(query) if t in self.vocab]
        if not tokens or not self.passages:
            return []
        scores = np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)
        scores = np.where(self._mask(sources, speakers, parties), scores, 0.0)
        top = np.argpartition(-scores, min(n, len(scores) - 1))[:n]
        return sorted(((int(i), float(scores[i])) for i in top if scores[i] > 0), key=lambda x: -x[1])

    def search(self, query: str, sources: Sequence[str] = (), speakers: Sequence[str] = (),
               parties: Sequence[str] = (), k: int = 5) -> list[Hit]:
        self._build()
        n = max(self.settings.candidate_k, k * 4)
        qvec = self.embedder.embed([query])[0]
        dense = self.store.query(qvec, n, where_clause(sources, speakers, parties))
        kw = self.keyword(query, n, sources, speakers, parties)
        fused: dict[str, Hit] = {}
        for rank, (p, sim) in enumerate(dense):
            fused[p.id] = Hit(passage=p, score=1.0 / (RRF_K + rank + 1), dense=sim)
        for rank, (i, score) in enumerate(kw):
            p = self.passages[i]
            hit = fused.setdefault(p.id, Hit(passage=p, score=0.0))
            hit.score += 1.0 / (RRF_K + rank + 1)
            hit.keyword = score
        self._fill_dense(fused.values(), qvec)
        ranked = sorted(fused.values(), key=lambda h: -h.score)
        return self.expand_lists(dedupe(ranked)[:k])

    def expand_lists(self, hits: list[Hit], budget: int = 4) -> list[Hit]:
        """A passage that introduces a list ("These include:") brings the list items after it,
        up to `budget` extra passages in all."""
        out, seen, added = [], {h.passage.id for h in hits}, 0
        for h in hits:
            out.append(h)
            p = h.passage
            if not p.text.rstrip().endswith(":"):
                continue
            while added < budget:
                i = self.next_in_doc.get(p.id)
                # a list item follows its predecessor after a newline and a marker ("\n- ", "\n1. ")
                if i is None or not 3 <= self.passages[i].start - p.end <= 6 or self.passages[i].id in seen:
                    break
                p = self.passages[i]
                seen.add(p.id)
                added += 1
                out.append(Hit(passage=p, score=h.score, dense=h.dense))
        return out

    def _fill_dense(self, hits, qvec: np.ndarray) -> None:
        """Dense similarity for keyword-only hits, from the vectors already stored (no re-embedding)."""
        missing = {h.passage.id: h for h in hits if h.dense is None}
        if missing:
            for pid, vec in self.store.vectors(list(missing)).items():
                missing[pid].dense = float(np.asarray(vec, dtype=np.float32) @ qvec)


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def dedupe(hits: list[Hit]) -> list[Hit]:
    """Drop hits whose text repeats a better hit, or whose span overlaps a better hit in the same doc."""
    kept: list[Hit] = []
    seen_text: set[str] = set()
    for h in hits:
        p = h.passage
        key = _norm(p.text)
        if key in seen_text:
            continue
        if any(k.passage.doc == p.doc and k.passage.start < p.end and p.start < k.passage.end for k in kept):
            continue
        seen_text.add(key)
        kept.append(h)
    return kept


def _successors(passages: list[Passage]) -> dict[str, int]:
    """passage id -> index of the next passage in the same document."""
    order = sorted(range(len(passages)), key=lambda i: (passages[i].doc, passages[i].start))
    return {passages[a].id: b for a, b in zip(order, order[1:]) if passages[a].doc == passages[b].doc}


def passage_by_id(searcher: HybridSearcher, pid: str) -> Passage | None:
    searcher._build()
    i = searcher.by_id.get(pid)
    return searcher.passages[i] if i is not None else None
