"""The service's parts, each built on first use (Chroma, the embedder and the LLM server are heavy) and
closed by `close()`: the source registry, embedder, passage store, searcher, contradiction ledger,
dispute book, detection engine, LLM client, conversation log, feedback log and feed state.
`Analyst` (service.py) is these parts plus the operations the fronts call."""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

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
        self._store = self._embedder = self._searcher = self._llm = None
        self._ledger = self._disputes = self._engine = None
        self._conversations = self._feed_db = self._feedback = None

    def _part(self, attr: str, make: Callable[[], Any]) -> Any:
        """The part kept in `attr`, made on first use (one thread at a time)."""
        with self._lock:
            if getattr(self, attr) is None:
                setattr(self, attr, make())
            return getattr(self, attr)

    @property
    def registry(self) -> SourceRegistry:
        """sources.yaml, loaded again after it changed (`_registry` reset to None)."""
        return self._part("_registry", lambda: SourceRegistry.load(self.settings.sources_path))

    @property
    def embedder(self):
        from retrieval.index.embeddings import make_embedder

        return self._part("_embedder", lambda: make_embedder(self.settings))

    @property
    def store(self):
        from retrieval.index.store import PassageStore

        return self._part("_store", lambda: PassageStore(self.settings, self.embedder))

    @property
    def searcher(self):
        """Hybrid search; rebuilt (`_searcher` reset to None) after an index run changed the passages."""
        from retrieval.index.search import HybridSearcher

        return self._part("_searcher", lambda: HybridSearcher(self.store, self.embedder, self.settings))

    @property
    def ledger(self):
        from retrieval.contradictions.ledger import Ledger

        return self._part("_ledger", lambda: Ledger(self.settings.db_path))

    @property
    def dispute_book(self):
        from retrieval.contradictions.disputes import DisputeBook

        return self._part("_disputes", lambda: DisputeBook(
            self.ledger, min_confidence=self.settings.digest_min_confidence, names=self.registry.display))

    @property
    def engine(self):
        from retrieval.contradictions.engine import ContradictionEngine

        return self._part("_engine", lambda: ContradictionEngine(
            self.settings, self.embedder, self.store, self.ledger, self.registry, self.get_llm))

    def get_llm(self) -> ChatModel | None:
        """The LLM client, or None when ANALYST_LLM=none. Raises LLMUnavailableError if it cannot start."""
        if self.settings.llm_mode == "none":
            return None
        from retrieval.llm.client import make_llm

        return self._part("_llm", lambda: make_llm(self.settings))

    @property
    def conversations(self):
        from retrieval.answers.history import ConversationLog

        return self._part("_conversations", lambda: ConversationLog(self.settings.db_path))

    @property
    def feedback_log(self):
        from retrieval.answers.feedback import FeedbackLog

        return self._part("_feedback", lambda: FeedbackLog(self.settings.db_path))

    @property
    def feed_db(self):
        from retrieval.feeds.state import FeedDB

        return self._part("_feed_db", lambda: FeedDB(self.settings.db_path))

    def _llm_or_reason(self):
        try:
            return self.get_llm(), None
        except LLMUnavailableError as exc:
            log.warning("LLM unavailable: %s", exc)
            return None, exc.user_message

    def close(self) -> None:
        with self._lock:
            for attr in ("_feed_db", "_feedback", "_conversations", "_llm"):
                part = getattr(self, attr)
                if part is not None:
                    part.close()
                    setattr(self, attr, None)
