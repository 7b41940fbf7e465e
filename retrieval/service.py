"""`Analyst`: the one service object the fronts (CLI, console, Discord, scheduler) talk to.

Synchronous and thread-safe enough to be called from `asyncio.to_thread`; heavy parts
(Chroma, the embedder, the LLM server) are created lazily on first use (`components.py`). Each
operation delegates to the package that does the work: index/, answers/, compare/, contradictions/,
feeds/, corpus/."""
from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import Callable, Sequence

from retrieval.compare.models import CompareResult
from retrieval.components import Components
from retrieval.contradictions.posting import BelowBar, below_bar, mark_noted
from retrieval.corpus.sources import alias_pattern
from retrieval.errors import UsageError
from retrieval.feeds.operations import FeedOperations
from retrieval.models import (
    Answer, Contradiction, Dismissal, Dispute, Hit, IndexReport, Skipped, SourceInfo,
)

log = logging.getLogger(__name__)


class Analyst(Components, FeedOperations):
    """The operations the fronts call (its parts: components.py)."""

    # ---- operations --------------------------------------------------------------------
    def index(self, paths: Sequence[Path] | None = None, progress: bool = False,
              detect: bool = True, on_stored: Callable[[], None] | None = None) -> IndexReport:
        """Index incrementally; `on_stored` is called once passages are searchable, before the
        (slower) contradiction detection runs."""
        from retrieval.index.indexer import Indexer

        changes = []

        def on_change(changed, removed) -> int:
            changes.append(True)
            self._searcher = None
            if on_stored:
                on_stored()
            return self._detect(changed, removed) if detect else 0

        from retrieval.corpus.loader import not_a_document

        refused, kept = [], []
        for p in paths or ():
            why = not_a_document(Path(p), self.settings.sources_path)
            (refused.append(Skipped(path=str(p), reason=why)) if why else kept.append(p))
        if paths and not kept:  # nothing left to index (and not the whole corpus either)
            return IndexReport(passages=self.store.count(), skipped=refused)
        indexer = Indexer(self.settings, self.registry, self.store, self.embedder)
        report = indexer.run(kept or None, progress=progress, on_change=on_change)
        report.skipped[:0] = refused
        self._searcher = None  # keyword index is rebuilt on next search
        if on_stored:
            on_stored()
        if detect and not changes:  # nothing new: judge the pairs that wait for the model, if any
            report.contradictions_new = self._drain_backlog()
        if detect:
            report.contradictions_waiting = self.engine.backlog.count()
        return report

    def _detect(self, changed, removed) -> int:
        new = self.engine.update(changed, removed)
        self.group_disputes(use_llm=True)
        return new

    def _drain_backlog(self) -> int:
        new = self.engine.drain()
        if new:
            self.group_disputes(use_llm=True)
        return new

    def group_disputes(self, use_llm: bool = False) -> list[str]:
        """Group ungrouped contradiction pairs into disputes (ids of the disputes created). With
        `use_llm`, new disputes get the model's checked headline (else a template one)."""
        book = self.dispute_book
        if not use_llm and not book.pending():
            return []
        headliner = None
        if use_llm:
            llm, _ = self._llm_or_reason()
            if llm is not None:
                from retrieval.contradictions.headlines import model_headline

                headliner = lambda kind, s1, s2: model_headline(llm, kind, s1, s2)  # noqa: E731
        return book.update(self.embedder.embed, headliner)

    def search(self, query: str, sources: Sequence[str] = (), speakers: Sequence[str] = (),
               k: int | None = None) -> list[Hit]:
        src = [self.registry.resolve(s) for s in sources]
        spk = [self.registry.resolve(s) for s in speakers]
        return self.searcher.search(query, sources=src, speakers=spk, k=k or self.settings.top_k)

    def ask(self, question: str, sources: Sequence[str] = (), history: Sequence[tuple[str, str]] = (),
            on_token: Callable[[str], None] | None = None) -> Answer:
        from retrieval.answers.answer import answer_question

        if not question.strip():
            raise UsageError("The question is empty.", hint="Ask something about the indexed documents.")
        hits = self.answer_passages(question, sources)
        llm, note = self._llm_or_reason()
        answer = answer_question(question, hits, llm, names=self.registry.display,
                               known_terms=self.known_terms(), idf=self.searcher.idf,
                               history=history, on_token=on_token, note=note,
                               lookup=self.registry.lookup, similarity=self.similarity,
                               passage_chars=self.settings.answer_passage_chars,
                               max_tokens=self.settings.answer_max_tokens,
                               context_chars=self.settings.answer_context_chars,
                               heard=lambda sid: self.heard_of(sid, question))
        return self.mark_contested(answer)

    def heard_of(self, sid: str, question: str = "") -> bool:
        """Whether the indexed documents quote or name source `sid`: a passage it speaks or publishes, or
        one that names it (checked only when there is none of the first kind)."""
        if self.searcher.search(question or sid, parties=[sid], k=1):
            return True
        src = self.registry.get(sid)
        names = [src.name, *src.aliases][:12] if src else [sid]
        return any(re.search(rf"(?<!\w){alias_pattern(n)}(?!\w)", h.passage.text, re.IGNORECASE)
                   for n in names for h in self.searcher.search(n, k=3))

    def mark_contested(self, answer: Answer) -> Answer:
        """The answer with the live disputes whose pairs hold its cited statements (`answers/contested.py`)."""
        from retrieval.answers.contested import contested

        if not answer.citations:
            return answer
        try:
            disputes, pairs = self.disputes("all"), self.contradictions("all")
        except sqlite3.Error as exc:  # the answer stands without the note; the ledger's fault is logged
            log.warning("answer not checked against disputes: %s", exc)
            return answer
        floor = self.settings.answer_contested_min_confidence
        answer.contested = contested(answer.citations, disputes, pairs, floor)
        return answer

    def answer_passages(self, question: str, sources: Sequence[str] = ()) -> list[Hit]:
        """The passages a question is answered from (retrieval/answers/passages.py)."""
        from retrieval.answers.passages import answer_passages

        return answer_passages(self.searcher, self.registry, question, sources, self.settings.top_k,
                               self.settings.answer_pool_factor)

    def known_terms(self):
        """Every word stem of the indexed passages, of the documents' titles and of the source names."""
        from retrieval.answers.passages import known_terms
        from retrieval.index.manifest import Manifest

        return known_terms(self.searcher.known_terms(), Manifest(self.settings.db_path).titles(), self.registry)

    def similarity(self, question: str, text: str) -> float:
        """The highest cosine between the question and a sentence of `text`."""
        from retrieval.answers.passages import sentence_similarity

        return sentence_similarity(self.embedder.embed, question, text)

    def history(self, conversation: str) -> list[tuple[str, str]]:
        """The last turns of a conversation (a Discord thread, say): survives restarts."""
        return self.conversations.history(conversation)

    def remember(self, conversation: str, question: str, answer: str) -> None:
        self.conversations.add(conversation, question, answer)

    def log_answer(self, request_id: str, question: str, answer: Answer) -> None:
        """Keep an answer shown to people (question, answer, citations) so feedback can refer to it."""
        self.feedback_log.log_answer(request_id, question, answer)

    def feedback(self, request_id: str, user: str, vote: str, reason: str | None = None) -> dict:
        """Record a 👍 ("up") or 👎 ("down", optionally with a reason) on a logged answer."""
        return self.feedback_log.vote(request_id, user, vote, reason)

    def feedback_list(self, limit: int = 200) -> list[dict]:
        """The feedback received, newest first, each with its question, answer and citations."""
        return self.feedback_log.list(limit)

    def sources(self) -> list[SourceInfo]:
        counts = self.store.counts_by_speaker()
        doc_counts = self.store.documents_by_speaker()
        return [
            SourceInfo(id=s.id, name=s.name, aliases=list(s.aliases),
                       documents=doc_counts.get(s.id, 0), passages=counts.get(s.id, 0))
            for s in self.registry.all()
        ]

    def resolve_source(self, name: str) -> str:
        """The source id for an id, name or alias; UnknownSourceError (with suggestions) otherwise."""
        return self.registry.resolve(name)

    def source_names(self) -> dict[str, str]:
        """id → display name, for every registered source."""
        return {s.id: s.name for s in self.registry.all()}

    def find_sources(self, text: str) -> list[SourceInfo]:
        """Sources whose id, name or alias contains `text` (for autocomplete)."""
        return [SourceInfo(id=s.id, name=s.name, aliases=list(s.aliases)) for s in self.registry.search(text)]

    def compare(self, a: str, b: str, topic: str | None = None, since: str | None = None) -> CompareResult:
        """A briefing of what a and b say (on `topic`, from documents dated on or after `since`)."""
        from retrieval.compare.briefing import Material, compare_sources

        sa, sb = self.registry.resolve(a), self.registry.resolve(b)
        if sa == sb:
            raise UsageError(f"{a!r} and {b!r} are the same source ({sa}).", hint="Compare two different sources.")
        since = _iso_date(since) if since else None
        llm, _ = self._llm_or_reason()
        material = Material(search=self.search, store=self.store, embedder=self.embedder, ledger=self.ledger,
                            registry=self.registry)
        return compare_sources(material, sa, sb, topic.strip() if topic else None, llm, since=since)

    def contradictions(self, status: str = "new") -> list[Contradiction]:
        """Contradiction pairs with `status`, each with the id and confidence of its dispute, in the
        order `disputes` lists those (confidence, then strength), strongest pair first within one."""
        self.group_disputes()
        return self.dispute_book.annotate(self.ledger.list(status))

    def disputes(self, status: str = "new") -> list[Dispute]:
        """Disputes with `status` (new | posted | dismissed | possible | all), strongest first."""
        self.group_disputes()
        return self.dispute_book.list(status)

    def dispute(self, dispute_id: str) -> Dispute:
        self.group_disputes()
        return self.dispute_book.get(dispute_id)

    def disputes_with_new_evidence(self) -> list[Dispute]:
        """Posted disputes that gained pairs since they were posted (the digest mentions them)."""
        self.group_disputes()
        return self.dispute_book.new_evidence()

    def below_bar(self) -> BelowBar:
        """What the digest says of disputes below its bar: the strongest possible ones not named before
        (to name) and how many arrived since the last digest (contradictions/posting.py)."""
        self.group_disputes()
        s = self.settings
        return below_bar(self.dispute_book, s.digest_possible_min_confidence, s.digest_possible_lines)

    def mark_noted(self, dispute_ids: Sequence[str]) -> None:
        """Record that a posted digest named these possible disputes."""
        mark_noted(self.dispute_book, dispute_ids)

    def dismiss(self, ident: str) -> Dismissal:
        """Dismiss a dispute (all its pairs) or a single pair, by id; says whether it already was."""
        self.group_disputes()
        return self.dispute_book.dismiss(ident)

    def mark_posted(self, dispute_ids: Sequence[str]) -> list[str]:
        """Record that these disputes are in a posted digest; returns the ids that changed."""
        return self.dispute_book.mark_posted(dispute_ids)

    def ingest(self, filename: str, data: bytes, source: str | None = None) -> IndexReport:
        from retrieval.corpus.ingest import save_upload

        path = save_upload(self.settings, self.registry, filename, data, source)
        return self.index([path])

    def add_source(self, sid: str, name: str | None = None, aliases: Sequence[str] = (),
                   feeds: Sequence[str] = ()) -> SourceInfo:
        """Add a source to sources.yaml (or aliases and feeds to an existing one), safely."""
        from retrieval.corpus.sources_edit import add_source
        from retrieval.errors import AnalystError

        with self._lock:
            try:
                src = add_source(self.settings.sources_path, sid.strip(), name, aliases, feeds)
            except ValueError as exc:
                raise AnalystError(str(exc), hint="See `analyst sources` for the current sources.") from None
            self._registry = None
        return SourceInfo(id=src.id, name=src.name, aliases=list(src.aliases))



def _iso_date(text: str) -> str:
    from datetime import date

    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise UsageError(f"Not a date: {text!r}.", hint="Use YYYY-MM-DD, e.g. --since 2025-03-20.") from None
