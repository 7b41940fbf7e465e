"""The index manifest in SQLite: which document (relative path) was indexed with which content hash.
Written after a document's passages are stored, so a run killed halfway is redone by the next one."""
from __future__ import annotations

import threading
from pathlib import Path

from retrieval.db import connect, utc_now

_SCHEMA = """
CREATE TABLE IF NOT EXISTS index_documents (
    doc TEXT PRIMARY KEY, root TEXT NOT NULL, sha TEXT NOT NULL, source TEXT NOT NULL,
    title TEXT, date TEXT, passages INTEGER NOT NULL, indexed_at TEXT NOT NULL
);
"""


class Manifest:
    def __init__(self, db_path: Path) -> None:
        self._conn = connect(db_path, autocommit=True)
        self._lock = threading.Lock()
        self._conn.executescript(_SCHEMA)

    def shas(self) -> dict[str, tuple[str, str]]:
        """doc -> (root, sha)"""
        with self._lock:
            rows = self._conn.execute("SELECT doc, root, sha FROM index_documents").fetchall()
        return {d: (r, s) for d, r, s in rows}

    def record(self, doc: str, root: str, sha: str, source: str, title: str, date: str | None,
               passages: int) -> None:
        now = utc_now()
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO index_documents VALUES (?,?,?,?,?,?,?,?)",
                (doc, root, sha, source, title, date, passages, now))

    def remove(self, doc: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM index_documents WHERE doc = ?", (doc,))

    def titles(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute("SELECT DISTINCT title FROM index_documents WHERE title != ''")]

    def close(self) -> None:
        self._conn.close()
