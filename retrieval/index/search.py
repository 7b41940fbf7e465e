"""Hybrid retrieval: dense similarity (Chroma) + BM25 keyword scores (persisted SQLite FTS5), fused by reciprocal rank,
filtered by source / speaker, with near-duplicate neighbours removed."""
from __future__ import annotations

import logging
import math
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

import numpy as np

from retrieval.index.keywords import KeywordIndex, Vocabulary
from retrieval.models import Hit, Passage
from retrieval.text import is_list_item_gap
from retrieval.text.sentences import LIST_GAP

log = logging.getLogger(__name__)
RRF_K = 60
_SIDE = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keyword-search")


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
    """Holds no passages: the dense side is Chroma, the keyword side the store's persisted FTS5 index."""

    def __init__(self, store: Any, embedder: Any, settings: Any) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._vocabulary: Vocabulary | None = None

    @property
    def keywords(self) -> KeywordIndex:
        return self.store.keywords

    def known_terms(self) -> Vocabulary:
        """Supports `term in known_terms()`; asked of the index, not loaded."""
        if self._vocabulary is None:
            self._vocabulary = Vocabulary(self.keywords)
        return self._vocabulary

    def idf(self, term: str) -> float:
        n = self.keywords.count() or 1
        df = self.keywords.doc_freq(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def keyword(self, query: str, n: int, sources=(), speakers=(), parties=()) -> list[tuple[str, float]]:
        """(passage id, BM25 score), best first."""
        return self.keywords.search(query, n, sources, speakers, parties)

    def search(self, query: str, sources: Sequence[str] = (), speakers: Sequence[str] = (),
               parties: Sequence[str] = (), k: int = 5) -> list[Hit]:
        n = max(self.settings.candidate_k, k * 4)
        where = where_clause(sources, speakers, parties)
        # asked before the keyword side starts: both take the keyword index's lock
        share = self.keywords.share(sources, speakers, parties) if where else None
        # the keyword side (BM25, then its passages and stored vectors) runs beside the query embedding
        # and the dense side (SQLite, ONNX Runtime and Chroma release the GIL): a search costs the
        # longer of the two, not their sum
        keyword = _SIDE.submit(self._keyword_side, query, n, sources, speakers, parties)
        qvec = self.embedder.embed([query])[0]
        dense = self.store.query(qvec, n, where, share)
        kw, found = keyword.result()
        fused: dict[str, Hit] = {}
        for rank, (p, sim) in enumerate(dense):
            fused[p.id] = Hit(passage=p, score=1.0 / (RRF_K + rank + 1), dense=sim)
        for rank, (pid, score) in enumerate(kw):
            if pid not in fused and pid not in found:  # gone from the store since (a concurrent re-index)
                continue
            if pid not in fused:  # a keyword-only hit: its dense similarity from the stored vector
                p, vec = found[pid]
                fused[pid] = Hit(passage=p, score=0.0, dense=float(np.asarray(vec, dtype=np.float32) @ qvec))
            fused[pid].score += 1.0 / (RRF_K + rank + 1)
            fused[pid].keyword = score
        ranked = sorted(fused.values(), key=lambda h: -h.score)
        return self.expand_lists(dedupe(ranked)[:k])

    def _keyword_side(self, query: str, n: int, sources, speakers, parties):
        """(passage id, BM25 score) best first, and {id: (passage, stored vector)} for them."""
        kw = self.keyword(query, n, sources, speakers, parties)
        return kw, self.store.with_vectors([pid for pid, _ in kw])

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
                # a list item follows its predecessor after a newline and a marker ("\n- ", "\n1. ")
                nxt = self._next(p, seen, lambda q: is_list_item_gap(q.start - p.end))
                if nxt is None:
                    break
                p = nxt
                seen.add(p.id)
                added += 1
                out.append(Hit(passage=p, score=h.score, dense=h.dense))
        return out

    def with_paragraph_neighbours(self, hits: list[Hit], top: int = 3, budget: int = 2) -> list[Hit]:
        """Each of the `top` hits brings the passage right after it when that passage continues the same
        paragraph in another speaker's voice (the index split the paragraph where the speaker changed):
        "On Wednesday, Trump and Zelenskyy spoke." is read with "Zelenskyy said afterwards that …"."""
        out, seen, added = [], {h.passage.id for h in hits}, 0
        for rank, h in enumerate(hits):
            out.append(h)
            if rank >= top or added >= budget:
                continue
            p = h.passage
            nxt = self._next(p, seen, lambda q: q.start - p.end == 1 and q.speaker != p.speaker)
            if nxt is not None:
                seen.add(nxt.id)
                added += 1
                out.append(Hit(passage=nxt, score=h.score, dense=h.dense))
        return out

    def _next(self, p: Passage, seen: set[str], fits: Callable[[Passage], bool]) -> Passage | None:
        """The passage right after `p` (within a list item's distance) when it is not in `seen` and fits."""
        nxt = self.store.following(p, within=LIST_GAP[1])
        return nxt if nxt is not None and nxt.id not in seen and fits(nxt) else None


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


def passage_by_id(searcher: HybridSearcher, pid: str) -> Passage | None:
    found = searcher.store.get([pid])
    return found[0] if found else None
