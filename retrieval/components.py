"""The service's parts, each built on first use (Chroma, the embedder and the LLM server are heavy) and
closed by `close()`: the source registry, embedder, passage store, searcher, contradiction ledger,
dispute book, detection engine, LLM client, conversation log, feedback log and feed state.
`Analyst` (service.py) is these parts plus the operations the fronts call."""
from __future__ import annotations

import logging
import threading

from retrieval.corpus.sources import SourceRegistry
from retrieval.errors import LLMUnavailableError
from retrieval.llm import ChatModel
from retrieval.settings import Settings, get_settings

log = logging.getLogger(__name__)


class Components:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.settings.ensure_dirs()
        self._lock = threading.RLock()
        self._registry: SourceRegistry | None = None
        self._store = None
        self._embedder = None
        self._searcher = None
        self._llm = None
        self._llm_failed: str | None = None
        self._ledger = None
        self._disputes = None
        self._engine = None
        self._conversations = None
        self._feed_db = None
        self._feedback = None

    @property
    def registry(self) -> SourceRegistry:
        if self._registry is None:
            self._registry = SourceRegistry.load(self.settings.sources_path)
        return self._registry

    @property
    def embedder(self):
        if self._embedder is None:
            from retrieval.index.embeddings import make_embedder

            self._embedder = make_embedder(self.settings)
        return self._embedder

    @property
    def store(self):
        with self._lock:
            if self._store is None:
                from retrieval.index.store import PassageStore

                self._store = PassageStore(self.settings, self.embedder)
            return self._store

    @property
    def searcher(self):
        with self._lock:
            if self._searcher is None:
                from retrieval.index.search import HybridSearcher

                self._searcher = HybridSearcher(self.store, self.embedder, self.settings)
            return self._searcher

    @property
    def ledger(self):
        with self._lock:
            if self._ledger is None:
                from retrieval.contradictions.ledger import Ledger

                self._ledger = Ledger(self.settings.db_path)
            return self._ledger

    @property
    def dispute_book(self):
        with self._lock:
            if self._disputes is None:
                from retrieval.contradictions.disputes import DisputeBook

                self._disputes = DisputeBook(self.ledger, min_confidence=self.settings.digest_min_confidence,
                                             names=self.registry.display)
            return self._disputes

    @property
    def engine(self):
        with self._lock:
            if self._engine is None:
                from retrieval.contradictions.engine import ContradictionEngine

                self._engine = ContradictionEngine(
                    self.settings, self.embedder, self.store, self.ledger, self.registry, self.get_llm
                )
            return self._engine

    def get_llm(self) -> ChatModel | None:
        """The LLM client, or None when ANALYST_LLM=none. Raises LLMUnavailableError if it cannot start."""
        with self._lock:
            if self.settings.llm_mode == "none":
                return None
            if self._llm is None:
                from retrieval.llm.client import make_llm

                self._llm = make_llm(self.settings)
            return self._llm

    @property
    def conversations(self):
        with self._lock:
            if self._conversations is None:
                from retrieval.answers.history import ConversationLog

                self._conversations = ConversationLog(self.settings.db_path)
            return self._conversations

    @property
    def feedback_log(self):
        with self._lock:
            if self._feedback is None:
                from retrieval.answers.feedback import FeedbackLog

                self._feedback = FeedbackLog(self.settings.db_path)
            return self._feedback

    @property
    def feed_db(self):
        with self._lock:
            if self._feed_db is None:
                from retrieval.feeds.state import FeedDB

                self._feed_db = FeedDB(self.settings.db_path)
            return self._feed_db

    def _llm_or_reason(self):
        try:
            return self.get_llm(), None
        except LLMUnavailableError as exc:
            log.warning("LLM unavailable: %s", exc)
            return None, exc.user_message

    def close(self) -> None:
        if self._feed_db is not None:
            self._feed_db.close()
            self._feed_db = None
        for part in (self._feedback, self._conversations):
            if part is not None:
                part.close()
        self._feedback = self._conversations = None
        if self._llm is not None:
            self._llm.close()
            self._llm = None
