"""The passage store: Chroma, embedded (PersistentClient in the data directory) by default,
or a Chroma server when ANALYST_CHROMA_URL is set. Embeddings are computed by Analyst and passed
explicitly; the collection records Analyst's embedding function so it reopens in a new process."""
from __future__ import annotations

import logging
import math
from collections import Counter
from typing import Any, Iterator
from urllib.parse import urlparse

import numpy as np

from retrieval.errors import StoreUnavailableError
from retrieval.index.keywords import KeywordIndex
from retrieval.urls import safe_url
from retrieval.models import Passage

log = logging.getLogger(__name__)
BATCH = 1000
OVERFETCH = 2  # a filtered query fetches this many times what its filter's share should yield
MAX_OVERFETCH = 1000  # beyond this, Chroma's own filtered query is cheaper


def make_client(settings: Any):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if not settings.chroma_url:
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    u = urlparse(settings.chroma_url)
    try:
        _probe(settings.chroma_url, settings.chroma_timeout_s)
        client = chromadb.HttpClient(host=u.hostname or "localhost", port=u.port or 8000,
                                     ssl=u.scheme == "https", settings=chroma_settings)
        _bound_requests(client, settings.chroma_timeout_s)
        client.heartbeat()
        return client
    except Exception as exc:  # chromadb raises assorted httpx/ValueError types
        log.debug("chroma connect failed: %r", exc)
        raise StoreUnavailableError(f"Chroma server at {safe_url(settings.chroma_url)} is unreachable.") from None


def _probe(url: str, timeout: float) -> None:
    """chromadb's HTTP client waits forever on a server that accepts connections but never answers
    (hung, frozen, black-holed): ask for a heartbeat with a timeout before creating it."""
    import httpx

    u = urlparse(url)
    httpx.get(f"{u.scheme}://{u.hostname}:{u.port or 8000}/api/v2/heartbeat", timeout=timeout).raise_for_status()


def _bound_requests(client, timeout: float) -> None:
    """Give every later request of the chromadb client a timeout (its httpx session has none)."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout)
    else:  # a chromadb upgrade moved it: requests to a hung server may then block
        log.warning("could not set a timeout on the Chroma HTTP client")


class PassageStore:
    def __init__(self, settings: Any, embedder: Any) -> None:
        self.settings = settings
        self.embedder = embedder
        self.client = make_client(settings)
        self.collection = self._guard(lambda: self.client.get_or_create_collection(
            settings.collection, embedding_function=embedder, metadata={"hnsw:space": "cosine"}))
        self._keywords: KeywordIndex | None = None

    @property
    def keywords(self) -> KeywordIndex:
        """The persisted keyword index of this collection, kept in step by `upsert` and `delete_ids`;
        filled from the store once if it does not hold the same number of passages."""
        if self._keywords is None:
            index = KeywordIndex(self.settings.data_dir / f"keywords-{self.settings.collection}.sqlite3")
            if index.count() != self.count():
                log.info("filling the keyword index from the store (%d passages)", self.count())
                index.clear()
                for batch in _batches(self.iter_passages(), BATCH):
                    index.upsert(batch)
            self._keywords = index
        return self._keywords

    def side_collection(self, name: str):
        """Another collection in the same Chroma (e.g. the contradiction engine's claims), with the same
        embedding function and the same unreachable-server handling."""
        return self._guard(lambda: self.client.get_or_create_collection(
            name, embedding_function=self.embedder, metadata={"hnsw:space": "cosine"}))

    def _guard(self, fn):
        try:
            return fn()
        except StoreUnavailableError:
            raise
        except Exception as exc:
            if self.settings.chroma_url and _is_connection_error(exc):
                raise StoreUnavailableError(
                    f"Chroma server at {safe_url(self.settings.chroma_url)} is unreachable.") from None
            raise

    @staticmethod
    def embed_text(p: Passage, speaker_name: str = "") -> str:
        return f"{speaker_name}: {p.text}" if speaker_name else p.text

    def upsert(self, passages: list[Passage], embeddings: np.ndarray) -> None:
        for i in range(0, len(passages), BATCH):
            part = passages[i : i + BATCH]
            self._guard(lambda: self.collection.upsert(
                ids=[p.id for p in part], documents=[p.text for p in part],
                metadatas=[p.metadata() for p in part],
                embeddings=[e.tolist() for e in embeddings[i : i + BATCH]]))
            self.keywords.upsert(part)

    def ids_for_doc(self, doc: str) -> list[str]:
        return self._guard(lambda: self.collection.get(where={"doc": doc}, include=[])["ids"])

    def delete_ids(self, ids: list[str]) -> None:
        for i in range(0, len(ids), BATCH):
            self._guard(lambda: self.collection.delete(ids=ids[i : i + BATCH]))
            self.keywords.delete(ids[i : i + BATCH])

    def delete_doc(self, doc: str) -> int:
        ids = self.ids_for_doc(doc)
        self.delete_ids(ids)
        return len(ids)

    def count(self) -> int:
        return self._guard(self.collection.count)

    def iter_passages(self, where: dict | None = None) -> Iterator[Passage]:
        offset = 0
        while True:
            got = self._guard(lambda: self.collection.get(
                where=where, include=["documents", "metadatas"], limit=BATCH, offset=offset))
            for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                yield Passage.from_record(pid, text, meta)
            if len(got["ids"]) < BATCH:
                return
            offset += BATCH

    def all_passages(self) -> list[Passage]:
        return list(self.iter_passages())

    def get(self, ids: list[str]) -> list[Passage]:
        if not ids:
            return []
        got = self._guard(lambda: self.collection.get(ids=ids, include=["documents", "metadatas"]))
        by_id = {pid: Passage.from_record(pid, t, m)
                 for pid, t, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [by_id[i] for i in ids if i in by_id]

    def following(self, p: Passage, within: int) -> Passage | None:
        """The passage right after `p` in its document, if it starts at most `within` characters after
        `p` ends (a point lookup, not the rest of the document)."""
        where = {"$and": [{"doc": p.doc}, {"start": {"$gte": p.end}}, {"start": {"$lte": p.end + within}}]}
        got = self._guard(lambda: self.collection.get(where=where, include=["documents", "metadatas"]))
        after = [Passage.from_record(pid, t, m) for pid, t, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return min(after, key=lambda q: q.start, default=None)

    def with_vectors(self, ids: list[str]) -> dict[str, tuple[Passage, np.ndarray]]:
        """{id: (passage, stored vector)} for the ids still in the store."""
        if not ids:
            return {}
        got = self._guard(lambda: self.collection.get(ids=ids, include=["documents", "metadatas", "embeddings"]))
        return {pid: (Passage.from_record(pid, t, m), vec)
                for pid, t, m, vec in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])}

    def query(self, embedding: np.ndarray, n: int, where: dict | None = None,
              share: float | None = None) -> list[tuple[Passage, float]]:
        """Nearest passages with cosine similarity (1 - distance). With a filter that `share` of the
        store passes (e.g. one speaker of four), the nearest passages overall are asked for first,
        enough that about twice `n` pass, and those that pass are kept: Chroma's filtered query
        evaluates the filter over the whole collection (~180 ms at 100k passages, against ~10 ms
        unfiltered). When too few pass, or the filter is rare, Chroma's filtered query answers."""
        if where is not None and share and n / share * OVERFETCH <= MAX_OVERFETCH:
            near = self._nearest_passing(embedding, n, where, math.ceil(n / share * OVERFETCH))
            if near is not None:
                return near
        res = self._guard(lambda: self.collection.query(
            query_embeddings=[embedding.tolist()], n_results=n, where=where,
            include=["documents", "metadatas", "distances"]))
        return [(Passage.from_record(pid, t, m), 1.0 - float(d)) for pid, t, m, d in
                zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])]

    def _nearest_passing(self, embedding: np.ndarray, n: int, where: dict,
                         fetch: int) -> list[tuple[Passage, float]] | None:
        """The `n` nearest of the `fetch` nearest passages that pass `where`, or None when fewer pass
        and the store holds more than were fetched (the filtered query must then decide)."""
        res = self._guard(lambda: self.collection.query(
            query_embeddings=[embedding.tolist()], n_results=fetch, include=["distances"]))
        ids, dists = res["ids"][0], res["distances"][0]
        # the filter is applied here: Chroma's get(ids=..., where=...) evaluates it over the whole collection
        got = self._guard(lambda: self.collection.get(ids=ids, include=["documents", "metadatas"]))
        passing = {pid: (t, m) for pid, t, m in zip(got["ids"], got["documents"], got["metadatas"])
                   if passes(m, where)}
        if len(passing) < n and len(ids) == fetch:
            return None
        kept = [(pid, d) for pid, d in zip(ids, dists) if pid in passing][:n]
        return [(Passage.from_record(pid, *passing[pid]), 1.0 - float(d)) for pid, d in kept]

    def counts_by_speaker(self) -> Counter:
        return Counter(p.speaker for p in self.iter_passages())

    def documents_by_speaker(self) -> Counter:
        return Counter(sp for sp, _ in {(p.speaker, p.doc) for p in self.iter_passages()})


def passes(meta: dict, where: dict) -> bool:
    """Whether metadata `meta` passes a Chroma filter of the forms Analyst writes (`where_clause`):
    {"$and": [...]}, {"$or": [...]}, {field: {"$in": [...]}} and {field: value}."""
    for key, cond in where.items():
        if key == "$and":
            ok = all(passes(meta, c) for c in cond)
        elif key == "$or":
            ok = any(passes(meta, c) for c in cond)
        elif isinstance(cond, dict):
            if set(cond) != {"$in"}:
                raise ValueError(f"unsupported filter {cond!r}")
            ok = meta.get(key) in cond["$in"]
        else:
            ok = meta.get(key) == cond
        if not ok:
            return False
    return True


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _is_connection_error(exc: Exception) -> bool:
    name = type(exc).__name__.lower()
    text = str(exc).lower()
    return any(k in name for k in ("connect", "timeout", "network")) or any(
        k in text for k in ("connection", "connect", "timed out", "unreachable", "refused"))
