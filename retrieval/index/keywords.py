"""The keyword side of search, persisted: an SQLite FTS5 table in the data directory, kept in step with
the passage store by the store itself (every upsert and delete), so no process loads every passage to
search and nothing is rebuilt after an index run. BM25 ranking is FTS5's; the speaker/source filter is
part of the match, so a filtered query touches only the postings of its terms.

Each row holds a passage's tokens (the lexicon's `tokenize`, so stems), and its speaker and source as
opaque single tokens. A store that predates this table (or a keyword file that was lost) is filled once
from the store on first use.

Query cost is bounded, not proportional to the corpus: FTS5 computes BM25 for every row a query matches,
so a question's common words (a large share of all passages) would make it score most of the index. A
query therefore keeps its terms rarest first (document frequencies from the `fts5vocab` table, cached
until the index changes) while their postings add up to at most `postings_budget`, and at most
`max_terms` of them; the rarest term is always kept, so a query of common words still finds passages.
Terms in more than half the passages are dropped outright when a rarer one is left: FTS5's BM25 gives
them an IDF of ~0, so they change which passages match, not how they rank."""
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


# BM25 over the passage text only (speaker and source weigh 0), equal scores in passage id order; a bounded
# sort (LIMIT) over the rows the match yields, which the postings budget keeps few
_TOP = ("SELECT i.pid, bm25(kw, 1.0, 0.0, 0.0) AS s FROM kw JOIN kw_ids i ON i.rid = kw.rowid "
        "WHERE kw MATCH ? ORDER BY s, i.pid LIMIT ?")


def _any(column: str, values: Iterable[str]) -> str:
    return "{" + column + "} : (" + " OR ".join(_quote(v) for v in values) + ")"


def _filters(sources: Sequence[str], speakers: Sequence[str], parties: Sequence[str]) -> list[str]:
    """FTS5 match clauses for the source / speaker / party filter (the same filter as the dense side's)."""
    parts = []
    if sources:
        parts.append(_any("source", map(_tag, sources)))
    if speakers:
        parts.append(_any("speaker", map(_tag, speakers)))
    if parties:
        parts.append(_any("source speaker", map(_tag, parties)))
    return parts


POSTINGS_BUDGET = 20_000  # postings a query may match before its commoner terms are left out
MAX_TERMS = 8  # OR terms per query, the rarest


class KeywordIndex:
    def __init__(self, path: Path, *, postings_budget: int = POSTINGS_BUDGET, max_terms: int = MAX_TERMS) -> None:
        self.path = Path(path)
        self.postings_budget = postings_budget
        self.max_terms = max_terms
        self._conn = connect(self.path)
        self._lock = threading.Lock()
        self._df: dict[str, int] = {}  # document frequencies, filter shares and the row count, valid for one
        self._shares: dict[str, float] = {}
        self._rows: int | None = None  # state of the index (see `_fresh`)
        self._version: int | None = None
        with self._lock, self._conn:
            self._conn.executescript(_SCHEMA)

    # ---- writes (the store calls these) ----------------------------------------------------------
    def upsert(self, passages: Sequence[Passage]) -> None:
        with self._lock, self._conn:
            self._forget()
            self._delete(p.id for p in passages)
            for p in passages:
                cur = self._conn.execute("INSERT INTO kw (terms, speaker, source) VALUES (?,?,?)",
                                         (" ".join(tokenize(p.text)), _tag(p.speaker), _tag(p.source)))
                self._conn.execute("INSERT INTO kw_ids (pid, rid) VALUES (?,?)", (p.id, cur.lastrowid))

    def delete(self, ids: Iterable[str]) -> None:
        with self._lock, self._conn:
            self._forget()
            self._delete(ids)

    def _delete(self, ids: Iterable[str]) -> None:
        for pid in ids:
            row = self._conn.execute("SELECT rid FROM kw_ids WHERE pid = ?", (pid,)).fetchone()
            if row is not None:
                self._conn.execute("DELETE FROM kw WHERE rowid = ?", (row[0],))
                self._conn.execute("DELETE FROM kw_ids WHERE pid = ?", (pid,))

    def clear(self) -> None:
        with self._lock, self._conn:
            self._forget()
            self._conn.execute("DELETE FROM kw")
            self._conn.execute("DELETE FROM kw_ids")

    # ---- reads -----------------------------------------------------------------------------------
    def count(self) -> int:
        with self._lock:
            return self._count()

    def doc_freq(self, term: str) -> int:
        with self._lock:
            return self._doc_freq(term)

    def query_terms(self, query: str) -> list[str]:
        """The query's terms that are searched: rarest first, within the postings budget (module doc)."""
        with self._lock:
            return self._query_terms(query)

    def search(self, query: str, n: int, sources: Sequence[str] = (), speakers: Sequence[str] = (),
               parties: Sequence[str] = ()) -> list[tuple[str, float]]:
        """(passage id, BM25 score) of the best `n` passages matching any searched term, filters applied;
        equal scores in passage id order."""
        if n <= 0:
            return []
        with self._lock:
            terms = self._query_terms(query)
            if not terms:
                return []
            match = " AND ".join([_any("terms", sorted(terms))] + _filters(sources, speakers, parties))
            rows = self._conn.execute(_TOP, (match, n)).fetchall()
        return [(pid, -float(score)) for pid, score in rows if score < 0]

    def share(self, sources: Sequence[str] = (), speakers: Sequence[str] = (),
              parties: Sequence[str] = ()) -> float | None:
        """The share of passages that pass the filter (None for an empty index), counted once per
        filter until the index changes; the dense side uses it to decide how far to over-fetch."""
        with self._lock:
            total = self._count()
            match = " AND ".join(_filters(sources, speakers, parties))
            if not total or not match:
                return 1.0 if total else None
            if match not in self._shares:
                self._shares[match] = self._conn.execute(
                    "SELECT count(*) FROM kw WHERE kw MATCH ?", (match,)).fetchone()[0] / total
            return self._shares[match]

    # ---- internals -------------------------------------------------------------------------------
    def _forget(self) -> None:
        self._df.clear()
        self._shares.clear()
        self._rows = self._version = None

    def _fresh(self) -> None:
        """Drop the cached frequencies when another connection (process) has written since."""
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._forget()
            self._version = version

    def _count(self) -> int:
        self._fresh()
        if self._rows is None:
            self._rows = self._conn.execute("SELECT count(*) FROM kw_ids").fetchone()[0]
        return self._rows

    def _doc_freq(self, term: str) -> int:
        self._fresh()
        if term not in self._df:
            row = self._conn.execute("SELECT doc FROM kw_vocab WHERE term = ? AND col = 'terms'",
                                     (term,)).fetchone()
            self._df[term] = row[0] if row else 0
        return self._df[term]

    def _query_terms(self, query: str) -> list[str]:
        found = sorted((df, t) for t in set(tokenize(query)) if (df := self._doc_freq(t)) > 0)
        half = self._count() / 2
        ranked = [(df, t) for df, t in found if df <= half] or found[:1]
        kept: list[str] = []
        postings = 0
        for df, term in ranked:
            if kept and (postings + df > self.postings_budget or len(kept) >= self.max_terms):
                break
            kept.append(term)
            postings += df
        return kept

    def close(self) -> None:
        self._conn.close()


class Vocabulary:
    """`term in vocabulary` for the known-terms check, asked of the index instead of held in memory."""

    def __init__(self, index: KeywordIndex) -> None:
        self.index = index

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.index.doc_freq(term) > 0
