"""Candidate pairs that wait for the model.

Index-time detection gives the model a budget of calls per run (the local model judges a pair in
seconds, and an index run must end). A pair the deterministic checks cannot settle and the model did
not see in that run (budget spent, or the model went down mid-run) is not dropped: it waits here, in
the ledger's database (table `claims_backlog`), and the next index run judges it first by priority, a
run with no changed document included (the bot's re-index job), until none is left. A pair whose
claims are gone (their document changed or was removed) leaves the backlog with them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from retrieval.db import utc_now
from retrieval.models import Claim

_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims_backlog (
    pair TEXT PRIMARY KEY, a_id TEXT NOT NULL, b_id TEXT NOT NULL, similarity REAL NOT NULL,
    priority REAL NOT NULL, adjacent INTEGER NOT NULL, since TEXT NOT NULL);
"""


@dataclass
class Candidate:
    a: Claim
    b: Claim
    similarity: float
    priority: float
    adjacent: bool = False


class Backlog:
    def __init__(self, ledger) -> None:
        self.ledger = ledger
        with ledger.lock, ledger.db:
            ledger.db.executescript(_SCHEMA)

    def add(self, pairs: Iterable[tuple[str, Candidate]]) -> None:
        """Keep (pair id, candidate) for a later run; a pair already waiting keeps its first date."""
        now = utc_now()
        rows = [(pid, c.a.id, c.b.id, c.similarity, c.priority, int(c.adjacent), now) for pid, c in pairs]
        with self.ledger.lock, self.ledger.db:
            self.ledger.db.executemany("INSERT OR IGNORE INTO claims_backlog VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def remove(self, pair_ids: Iterable[str]) -> None:
        with self.ledger.lock, self.ledger.db:
            self.ledger.db.executemany("DELETE FROM claims_backlog WHERE pair=?", [(p,) for p in pair_ids])

    def take(self) -> list[Candidate]:
        """The waiting pairs whose claims still exist, best first; the others leave the backlog."""
        with self.ledger.lock:
            rows = self.ledger.db.execute("SELECT * FROM claims_backlog ORDER BY priority DESC").fetchall()
        ids = sorted({r[k] for r in rows for k in ("a_id", "b_id")})
        claims = {c.id: c for i in range(0, len(ids), 500) for c in self.ledger.claims(ids[i : i + 500])}
        gone = [r["pair"] for r in rows if r["a_id"] not in claims or r["b_id"] not in claims]
        self.remove(gone)
        return [Candidate(claims[r["a_id"]], claims[r["b_id"]], r["similarity"], r["priority"], bool(r["adjacent"]))
                for r in rows if r["a_id"] in claims and r["b_id"] in claims]

    def count(self) -> int:
        with self.ledger.lock:
            return self.ledger.db.execute("SELECT COUNT(*) FROM claims_backlog").fetchone()[0]
