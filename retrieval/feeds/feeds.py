"""Polling the feeds of `sources.yaml`, politely and safely.

Each feed is fetched with its last ETag / Last-Modified (a 304 costs nothing), a clear User-Agent and
one deadline. Per poll at most ANALYST_FEED_MAX_ITEMS items are fetched; the rest wait for the next
poll (the validators are then not kept, so the next poll gets the whole feed again). A feed that fails
is retried later and later (its interval doubled per consecutive failure, capped at
ANALYST_FEED_MAX_BACKOFF_MINUTES); one failing feed, page or item never stops the others."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from retrieval.corpus.sources import Feed
from retrieval.db import utc_now
from retrieval.errors import DocumentError, UnknownSourceError
from retrieval.feeds import fetch
from retrieval.feeds.extract import Article, Entry, canonical_url, from_page, from_summary, parse_feed
from retrieval.feeds.state import FeedDB, FeedState, Item, backoff, iso, now
from retrieval.feeds.store import store_article
from retrieval.feeds.models import FeedInfo, FeedResult

log = logging.getLogger(__name__)


@dataclass
class _Outcome:
    kind: str  # new | updated | duplicate | seen | refused | failed
    path: Path | None = None
    error: str | None = None


@dataclass
class _Tally:
    new: int = 0
    fetched: int = 0
    complete: bool = True  # False: some items were left for the next poll
    paths: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def fetch_article(url: str, settings: Any, policy: fetch.AddressPolicy) -> tuple[Article | None, str]:
    """(the article at `url` or None when the page holds no article text, the final URL).
    FetchError when the page cannot be fetched or is refused."""
    resp = fetch.get(url, settings, kinds=fetch.PAGE_TYPES, policy=policy)
    html: Any = resp.text() if resp.charset else resp.body
    return from_page(html, resp.url), resp.url


class FeedPoller:
    def __init__(self, settings: Any, registry: Any, db: FeedDB) -> None:
        self.settings, self.registry, self.db = settings, registry, db
        self.policy = fetch.AddressPolicy.from_settings(settings)

    def poll_all(self, due_only: bool = False) -> list[FeedResult]:
        results = []
        for sid, feed in self.registry.feeds():
            if due_only and not self.db.is_due(feed.url, now()):
                continue
            results.append(self.poll(sid, feed))
        return results

    def poll(self, sid: str, feed: Feed) -> FeedResult:
        st = self.db.feed(feed.url, sid)
        st.source, st.last_polled = sid, utc_now()
        try:
            resp = fetch.get(feed.url, self.settings, kinds=fetch.FEED_TYPES, etag=st.etag,
                             last_modified=st.last_modified, policy=self.policy)
            if resp.status == 304:
                result = FeedResult(sid, feed.url, "not_modified")
            else:
                result = self._entries(sid, feed, st, resp)
        except Exception as exc:  # noqa: BLE001  (a broken feed never stops the others)
            return self._failed(st, feed, exc)
        st.failures, st.error = 0, result.error
        st.next_due = iso(now() + backoff(self._every(feed), 0, self.settings.feed_max_backoff_minutes))
        if result.new:
            st.last_new, st.items = utc_now(), st.items + result.new
        self.db.save_feed(st)
        log.info("feed %s (%s): %s, %d new%s", feed.url, sid, result.status, result.new,
                 f"; {result.error}" if result.error else "")
        return result

    def _entries(self, sid: str, feed: Feed, st: FeedState, resp: fetch.Response) -> FeedResult:
        entries = parse_feed(resp.body, resp.url, resp.content_type)
        tally = _Tally()
        for entry in entries:
            if tally.fetched >= self.settings.feed_max_items:
                tally.complete = False
                break
            self._count(tally, self._item(sid, feed, entry))
        st.etag, st.last_modified = (resp.etag, resp.last_modified) if tally.complete else (None, None)
        error = None
        if tally.errors:
            error = f"{len(tally.errors)} item(s) not stored: {tally.errors[0]}"
        return FeedResult(sid, feed.url, "ok", tally.new, error, tally.paths)

    @staticmethod
    def _count(tally: _Tally, out: _Outcome) -> None:
        if out.kind != "seen":
            tally.fetched += 1
        if out.kind in ("new", "updated") and out.path is not None:
            tally.new += 1
            tally.paths.append(str(out.path))
        if out.error:
            tally.errors.append(out.error)
            tally.complete = tally.complete and out.kind != "failed"

    def _item(self, sid: str, feed: Feed, entry: Entry) -> _Outcome:
        known = self.db.item(entry.key)
        if known and (known.stamp == entry.stamp or known.status == "refused"):
            return _Outcome("seen")
        link = entry.link
        if not known and link:
            same = self.db.by_canonical(canonical_url(link))
            if same and same.stamp == entry.stamp:  # the same article re-posted under another id
                self.db.save_item(Item(entry.key, sid, "duplicate", feed.url, link, same.canonical,
                                       same.hash, same.path, entry.stamp))
                return _Outcome("seen")
        try:
            article = self._article(entry)
        except fetch.FetchError as exc:  # refused: the address is not allowed; never retried
            self.db.save_item(Item(entry.key, sid, "refused", feed.url, link, stamp=entry.stamp))
            return _Outcome("refused", error=f"{link}: {exc.user_message}")
        if article is None:
            return _Outcome("failed", error=f"{link or entry.key}: no article text and no summary")
        stored = store_article(self.settings, self.db, sid, article, key=entry.key, feed=feed.url,
                               stamp=entry.stamp)
        return _Outcome(stored.outcome, stored.path if stored.outcome != "duplicate" else None)

    def _article(self, entry: Entry) -> Article | None:
        """The page's article; the feed summary (marked as such) when the page cannot be used.
        Raises FetchError only when fetching the page was refused."""
        article, reason = None, "no link"
        if entry.link:
            try:
                article, _ = fetch_article(entry.link, self.settings, self.policy)
                reason = "no article text in the page"
            except fetch.FetchError as exc:
                if exc.blocked:
                    raise
                reason = exc.user_message
        if article is not None:
            article.title = entry.title or article.title
            article.date = entry.date or article.date
            return article
        log.info("%s: %s; using the feed's summary", entry.link or entry.key, reason)
        return from_summary(entry, entry.link or entry.key)

    def _failed(self, st: FeedState, feed: Feed, exc: Exception) -> FeedResult:
        message = exc.user_message if isinstance(exc, fetch.FetchError) else f"unexpected error ({type(exc).__name__})"
        if not isinstance(exc, fetch.FetchError):
            log.exception("feed %s failed", feed.url)
        st.failures += 1
        st.error = message
        wait = backoff(self._every(feed), st.failures, self.settings.feed_max_backoff_minutes)
        retry_after = getattr(exc, "retry_after", None) or 0
        st.next_due = iso(now() + max(wait, timedelta(seconds=retry_after)))
        self.db.save_feed(st)
        log.warning("feed %s (%s) failed (%d in a row; next try %s): %s", feed.url, st.source,
                    st.failures, st.next_due, message)
        return FeedResult(st.source, feed.url, "error", 0, message)

    def _every(self, feed: Feed) -> int:
        return feed.every_minutes or self.settings.feed_every_minutes

    def infos(self) -> list[FeedInfo]:
        out = []
        for sid, feed in self.registry.feeds():
            st = self.db.feed(feed.url, sid)
            out.append(FeedInfo(sid, feed.url, st.last_polled, st.last_new, st.items, st.error))
        return out


def fetch_page(url: str, source: str | None, settings: Any, registry, feed_db: FeedDB) -> Path:
    """Fetch one web page and store its article in the corpus (deduplicated by canonical URL), under
    `source` (an id or alias) or the source one of whose feeds is on the page's host; the stored path."""
    fetch.check_url(url)
    sid = registry.resolve(source) if source else source_for_url(registry, url)
    article, final = fetch_article(url.strip(), settings, fetch.AddressPolicy.from_settings(settings))
    if article is None:
        raise DocumentError(f"{url}: no article text found in the page")
    return store_article(settings, feed_db, sid, article, key=canonical_url(final)).path


def source_for_url(registry, url: str) -> str:
    """The source one of whose feeds is on the URL's host, else `news` (UnknownSourceError without it)."""
    host = (urlsplit(url).hostname or "").lower()
    for sid, feed in registry.feeds():
        if (urlsplit(feed.url).hostname or "").lower() == host:
            return sid
    if "news" not in registry:
        raise UnknownSourceError(f"No source follows {host}; say which publisher the page is from.",
                                 hint="Pass --source (or source:), e.g. --source news.")
    return "news"
