"""The keyword side of search, persisted: an SQLite FTS5 table in the data directory, kept in step with
the passage store by the store itself (every upsert and delete), so no process loads every passage to
search and nothing is rebuilt after an index run. BM25 ranking is FTS5's; the speaker/source filter is
part of the match, so a filtered query touches only the postings of its terms.

Each row holds a passage's tokens (the lexicon's `tokenize`, so stems), and its speaker and source as
opaque single tokens. A store that predates this table (or a keyword file that was lost) is filled once
from the store on first use."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterable, Sequence

from retrieval.db import connect
from retrieval.models import Passage
from retrieval.text import tokenize

_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS kw USING fts5(terms, speaker, source, tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS kw_vocab USING fts5vocab(kw, 'col');
CREATE TABLE IF NOT EXISTS kw_ids (pid TEXT PRIMARY KEY, rid INTEGER NOT NULL UNIQUE);
"""


def _tag(value: str) -> str:
    """A speaker or source id as one opaque token ("white-house" must not match "white")."""
    return "x" + value.encode("utf-8").hex()


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _any(column: str, values: Iterable[str]) -> str:
    return "{" + column + "} : (" + " OR ".join(_quote(v) for v in values) + ")"


class KeywordIndex:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn = connect(self.path)
        self._lock = threading.Lock()
        with self._lock, self._conn:
            self._conn.executescript(_SCHEMA)

    # ---- writes (the store calls these) ----------------------------------------------------------
    def upsert(self, passages: Sequence[Passage]) -> None:
        with self._lock, self._conn:
            self._delete(p.id for p in passages)
            for p in passages:
                cur = self._conn.execute("INSERT INTO kw (terms, speaker, source) VALUES (?,?,?)",
                                         (" ".join(tokenize(p.text)), _tag(p.speaker), _tag(p.source)))
                self._conn.execute("INSERT INTO kw_ids (pid, rid) VALUES (?,?)", (p.id, cur.lastrowid))

    def delete(self, ids: Iterable[str]) -> None:
        with self._lock, self._conn:
            self._delete(ids)

    def _delete(self, ids: Iterable[str]) -> None:
        for pid in ids:
            row = self._conn.execute("SELECT rid FROM kw_ids WHERE pid = ?", (pid,)).fetchone()
            if row is not None:
                self._conn.execute("DELETE FROM kw WHERE rowid = ?", (row[0],))
                self._conn.execute("DELETE FROM kw_ids WHERE pid = ?", (pid,))

    def clear(self) -> None:
        with self._lock, self._conn:
            self._conn.execute("DELETE FROM kw")
            self._conn.execute("DELETE FROM kw_ids")

    # ---- reads -----------------------------------------------------------------------------------
    def count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM kw_ids").fetchone()[0]

    def doc_freq(self, term: str) -> int:
        with self._lock:
            row = self._conn.execute("SELECT doc FROM kw_vocab WHERE term = ? AND col = 'terms'",
                                     (term,)).fetchone()
        return row[0] if row else 0

    def search(self, query: str, n: int, sources: Sequence[str] = (), speakers: Sequence[str] = (),
               parties: Sequence[str] = ()) -> list[tuple[str, float]]:
        """(passage id, BM25 score) of the best `n` passages matching any query term, filters applied."""
        terms = sorted(set(tokenize(query)))
        if not terms or n <= 0:
            return []
        parts = [_any("terms", terms)]
        if sources:
            parts.append(_any("source", map(_tag, sources)))
        if speakers:
            parts.append(_any("speaker", map(_tag, speakers)))
        if parties:
            parts.append(_any("source speaker", map(_tag, parties)))
        sql = ("SELECT i.pid, -bm25(kw, 1.0, 0.0, 0.0) AS s FROM kw JOIN kw_ids i ON i.rid = kw.rowid "
               "WHERE kw MATCH ? ORDER BY bm25(kw, 1.0, 0.0, 0.0), i.pid LIMIT ?")
        with self._lock:
            rows = self._conn.execute(sql, (" AND ".join(parts), n)).fetchall()
        return [(pid, float(score)) for pid, score in rows if score > 0]

    def close(self) -> None:
        self._conn.close()


class Vocabulary:
    """`term in vocabulary` for the known-terms check, asked of the index instead of held in memory."""

    def __init__(self, index: KeywordIndex) -> None:
        self.index = index

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.index.doc_freq(term) > 0
