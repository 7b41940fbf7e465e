"""The service's feed and web-page operations (`Analyst` inherits them): poll the publishers' feeds,
store new articles in the corpus and index them; fetch one page by URL."""
from __future__ import annotations

import logging
from pathlib import Path

from retrieval.feeds.models import FeedInfo, FetchReport
from retrieval.models import IndexReport

log = logging.getLogger(__name__)


class FeedOperations:
    """Mixed into `Analyst`: uses its settings, registry, feed_db and index()."""

    def _poller(self):
        from retrieval.feeds.feeds import FeedPoller

        return FeedPoller(self.settings, self.registry, self.feed_db)

    def feeds(self) -> list[FeedInfo]:
        """Every feed of sources.yaml with its last poll, last new item, items stored and last error."""
        return self._poller().infos()

    def fetch_feeds(self, due_only: bool = False) -> FetchReport:
        """Poll the feeds (all of them, or only those due: the scheduler's job), store new articles
        in the corpus and index them. An index run already in progress leaves the new files to the
        next one (the reindex job)."""
        self._registry = None  # sources.yaml may have changed (e.g. `sources add`)
        results = self._poller().poll_all(due_only=due_only)
        paths = [Path(p) for r in results for p in r.paths]
        report = FetchReport(feeds=results)
        if paths:
            report.index = self._index_fetched(paths)
        return report

    def _index_fetched(self, paths: list[Path]) -> IndexReport:
        from retrieval.errors import IndexLockedError

        try:
            return self.index(list(dict.fromkeys(paths)))
        except IndexLockedError:
            log.info("fetched %d file(s); another index run holds the lock, the next run indexes them",
                     len(paths))
            return IndexReport()

    def ingest_url(self, url: str, source: str | None = None) -> tuple[IndexReport, Path]:
        """Fetch one page, store its article in the corpus (deduplicated) and index it."""
        from retrieval.feeds.feeds import fetch_page

        path = fetch_page(url, source, self.settings, self.registry, self.feed_db)
        return self.index([path]), path

    def feed_urls(self, sid: str) -> list[str]:
        """The feed URLs of one source (id or alias)."""
        return [f.url for s, f in self.registry.feeds() if s == self.registry.resolve(sid)]
