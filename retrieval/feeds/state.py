"""Feed state in SQLite (the data directory's database, tables prefixed `feeds_`).

- `feeds_state`: per feed URL, the validators for conditional requests (ETag, Last-Modified), when
  it was last polled, last brought something new, how many items it brought, consecutive failures,
  when it is next due (exponential backoff after failures) and the last error.
- `feeds_items`: every item or page seen, by key (the feed entry's id or link, or the page URL),
  with its canonical URL, content hash and the corpus file it was stored in. Deduplication reads it."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from retrieval.db import connect, utc_now

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds_state (
    url TEXT PRIMARY KEY, source TEXT NOT NULL, etag TEXT, last_modified TEXT,
    last_polled TEXT, last_new TEXT, items INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0, next_due TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS feeds_items (
    key TEXT PRIMARY KEY, feed TEXT, source TEXT NOT NULL, url TEXT, canonical TEXT,
    hash TEXT, path TEXT, stamp TEXT, status TEXT NOT NULL, seen_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feeds_items_canonical ON feeds_items(canonical);
CREATE INDEX IF NOT EXISTS feeds_items_hash ON feeds_items(hash);
"""


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(t: datetime | None) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t else None


def parse_iso(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s.replace("Z", "+00:00")) if s else None


@dataclass
class FeedState:
    url: str
    source: str
    etag: str | None = None
    last_modified: str | None = None
    last_polled: str | None = None
    last_new: str | None = None
    items: int = 0
    failures: int = 0
    next_due: str | None = None
    error: str | None = None


@dataclass
class Item:
    key: str
    source: str
    status: str  # stored | duplicate | refused | failed
    feed: str | None = None
    url: str | None = None
    canonical: str | None = None
    hash: str | None = None
    path: str | None = None
    stamp: str | None = None  # the entry's updated/published stamp: a change means "updated"


class FeedDB:
    def __init__(self, db_path: Path) -> None:
        self._conn = connect(db_path, autocommit=True)
        self._lock = threading.Lock()
        self._conn.executescript(_SCHEMA)

    # ---- feeds ------------------------------------------------------------------------
    def feed(self, url: str, source: str) -> FeedState:
        with self._lock:
            row = self._conn.execute(
                "SELECT url, source, etag, last_modified, last_polled, last_new, items, failures, "
                "next_due, error FROM feeds_state WHERE url = ?", (url,)).fetchone()
        return FeedState(*row) if row else FeedState(url, source)

    def save_feed(self, st: FeedState) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO feeds_state VALUES (?,?,?,?,?,?,?,?,?,?)",
                (st.url, st.source, st.etag, st.last_modified, st.last_polled, st.last_new, st.items,
                 st.failures, st.next_due, st.error))

    def is_due(self, url: str, at: datetime) -> bool:
        with self._lock:
            row = self._conn.execute("SELECT next_due FROM feeds_state WHERE url = ?", (url,)).fetchone()
        due = parse_iso(row[0]) if row else None
        return due is None or due <= at

    # ---- items ------------------------------------------------------------------------
    def item(self, key: str) -> Item | None:
        return self._one("key = ?", key)

    def by_canonical(self, canonical: str) -> Item | None:
        return self._one("canonical = ? AND status = 'stored'", canonical)

    def by_hash(self, digest: str) -> Item | None:
        return self._one("hash = ? AND status = 'stored'", digest)

    def _one(self, where: str, value: str) -> Item | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT key, source, status, feed, url, canonical, hash, path, stamp FROM feeds_items "
                f"WHERE {where} ORDER BY seen_at LIMIT 1", (value,)).fetchone()
        return Item(*row) if row else None

    def save_item(self, it: Item) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO feeds_items VALUES (?,?,?,?,?,?,?,?,?,?)",
                (it.key, it.feed, it.source, it.url, it.canonical, it.hash, it.path, it.stamp, it.status,
                 utc_now()))

    def close(self) -> None:
        self._conn.close()


def backoff(every_minutes: int, failures: int, cap_minutes: int) -> timedelta:
    """Wait before the next poll: the interval after a success, doubling with each failure, capped."""
    return timedelta(minutes=min(cap_minutes, every_minutes * (2 ** max(0, failures))))
