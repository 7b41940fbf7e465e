"""The data directory's SQLite database: one way to open it (WAL, a generous busy timeout), shared by
the index manifest, the contradiction ledger, feedback and thread history; and one way to stamp a
row's time in it (`utc_now`)."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path


def connect(db_path: Path, *, autocommit: bool = False) -> sqlite3.Connection:
    """A connection usable from several threads (callers hold their own lock). With `autocommit`
    every statement commits at once; otherwise `with conn:` blocks are transactions."""
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(db_path), timeout=30, check_same_thread=False,
                           isolation_level=None if autocommit else "")
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def utc_now() -> str:
    """UTC now, to the second, as every table of the data directory stores times (2031-05-02T09:30:00Z)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
