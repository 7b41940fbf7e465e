"""The contradiction ledger, and the claim table and verdict cache behind it, in SQLite.

Lives in the same database file as the index manifest (`settings.db_path`), in tables prefixed
`ledger_` and `claims_`. A contradiction's id is a stable hash of its two claims' (document, normalised
text) keys, order-independent, so re-indexing never records a pair twice; dismissal therefore sticks.
When a claim disappears (its document changed or was removed) its contradictions are `retired`:
kept, hidden, and restored to their previous status if the same claims come back. Each pair keeps its
kind (contradiction, changed position, later contradicted) and the judge's features; the disputes
(`disputes.py`, tables `disputes_*` in the same file) group the pairs by the point in contention."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Iterable, Sequence

from retrieval.contradictions.claims import claim_key
from retrieval.db import connect, utc_now
from retrieval.errors import NotFoundError
from retrieval.vocab import PAIR_FILTERS, DisputeKind, PairStatus, check_choice
from retrieval.models import Citation, Claim, Contradiction


_SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger_contradictions (
    id TEXT PRIMARY KEY, score REAL NOT NULL, explanation TEXT NOT NULL,
    status TEXT NOT NULL, prev_status TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    a_key TEXT NOT NULL, b_key TEXT NOT NULL, a_doc TEXT NOT NULL, b_doc TEXT NOT NULL,
    a_json TEXT NOT NULL, b_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ledger_contradictions_status ON ledger_contradictions(status);
CREATE TABLE IF NOT EXISTS claims_items (
    id TEXT PRIMARY KEY, key TEXT NOT NULL, doc TEXT NOT NULL, passage_id TEXT NOT NULL,
    source TEXT NOT NULL, speaker TEXT NOT NULL, title TEXT NOT NULL, date TEXT,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS claims_items_doc ON claims_items(doc);
CREATE INDEX IF NOT EXISTS claims_items_speaker ON claims_items(speaker);
CREATE INDEX IF NOT EXISTS claims_items_key ON claims_items(key);
CREATE TABLE IF NOT EXISTS claims_verdicts (
    pair TEXT PRIMARY KEY, label TEXT NOT NULL, score REAL NOT NULL, explanation TEXT NOT NULL);
"""
# Columns added after the first release: created on open when an older database lacks them.
_ADDED = (("ledger_contradictions", "kind", "TEXT NOT NULL DEFAULT 'contradiction'"),
          ("ledger_contradictions", "features", "TEXT"),
          ("claims_items", "url", "TEXT"))
KINDS: tuple[str, ...] = tuple(k.value for k in DisputeKind)


def pair_id(a: Claim, b: Claim) -> str:
    keys = sorted((claim_key(a), claim_key(b)))
    return hashlib.sha1("\x1e".join(keys).encode()).hexdigest()[:12]


class Ledger:
    def __init__(self, db_path: Path) -> None:
        self._lock = threading.RLock()
        self._db = connect(db_path)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)
            for table, column, decl in _ADDED:
                have = {r["name"] for r in self._db.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")

    @property
    def db(self) -> sqlite3.Connection:
        """The connection (hold `lock` while using it): the disputes keep their tables in this file and
        change pair statuses in the same transactions as their own."""
        return self._db

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    # ---- contradictions --------------------------------------------------------------------
    def record(self, a: Claim, b: Claim, score: float, explanation: str, *,
               kind: DisputeKind | str = DisputeKind.CONTRADICTION, features: dict | None = None) -> bool:
        """Record a contradiction between two claims; True when it is new (or revived as new).
        `score` is the pair's calibrated confidence in [0, 1]; `kind` and the judge's `features` are
        stored with the pair. Recording a known pair again refreshes its score, explanation, kind,
        features and quotes, never its status (a dismissed pair stays dismissed)."""
        kind = DisputeKind(check_choice(str(kind), KINDS, "dispute kind"))
        cid, stamp = pair_id(a, b), utc_now()
        a_json, b_json = (json.dumps(c.citation().to_dict()) for c in (a, b))
        feats = _features_json(features)
        with self._lock, self._db:
            row = self._db.execute("SELECT status, prev_status FROM ledger_contradictions WHERE id=?",
                                   (cid,)).fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO ledger_contradictions (id, score, explanation, status, prev_status, first_seen, "
                    "last_seen, a_key, b_key, a_doc, b_doc, a_json, b_json, kind, features) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (cid, round(score, 4), explanation, "new", None, stamp, stamp, claim_key(a), claim_key(b),
                     a.doc, b.doc, a_json, b_json, kind.value, feats))
                return True
            status = row["status"]
            if status == "retired":
                status = row["prev_status"] or "new"
            same_order = self._db.execute("SELECT a_key FROM ledger_contradictions WHERE id=?",
                                          (cid,)).fetchone()["a_key"] == claim_key(a)
            if not same_order:
                a_json, b_json = b_json, a_json
            self._db.execute("UPDATE ledger_contradictions SET status=?, prev_status=NULL, last_seen=?, "
                             "a_json=?, b_json=?, score=?, explanation=?, kind=?, features=? WHERE id=?",
                             (status, stamp, a_json, b_json, round(score, 4), explanation, kind.value, feats, cid))
            return row["status"] == "retired" and status == "new"

    def retire_stale(self, docs: Iterable[str]) -> int:
        """Retire contradictions touching `docs` one of whose claims is no longer stored."""
        docs = list(set(docs))
        if not docs:
            return 0
        marks = ",".join("?" * len(docs))
        with self._lock, self._db:
            rows = self._db.execute(
                f"SELECT id, status, a_key, b_key FROM ledger_contradictions WHERE status != 'retired' "
                f"AND (a_doc IN ({marks}) OR b_doc IN ({marks}))", docs + docs).fetchall()
            keys = {r["a_key"] for r in rows} | {r["b_key"] for r in rows}
            live = {r["key"] for r in self._db.execute(
                f"SELECT key FROM claims_items WHERE key IN ({','.join('?' * len(keys))})", list(keys))} if keys else set()
            stale = [r for r in rows if r["a_key"] not in live or r["b_key"] not in live]
            for r in stale:
                self._db.execute("UPDATE ledger_contradictions SET status='retired', prev_status=? WHERE id=?",
                                 (r["status"], r["id"]))
        return len(stale)

    def list(self, status: str = "new", include_retired: bool = False) -> list[Contradiction]:
        check_choice(status, PAIR_FILTERS, "status")
        sql, args = "SELECT * FROM ledger_contradictions", ()
        if status != "all":
            sql, args = sql + " WHERE status=?", (status,)
        elif not include_retired:
            sql += " WHERE status != 'retired'"
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY first_seen DESC, score DESC, id", args).fetchall()
        return [_to_contradiction(r) for r in rows]

    def get(self, cid: str) -> Contradiction:
        with self._lock:
            return _to_contradiction(self._find(cid))

    def _find(self, cid: str) -> sqlite3.Row:
        cid = (cid or "").strip().lower()
        if not cid or any(ch not in "0123456789abcdef" for ch in cid):
            raise NotFoundError(f"No contradiction with id {cid!r}.")
        rows = self._db.execute("SELECT * FROM ledger_contradictions WHERE id LIKE ?",
                                (cid + "%",)).fetchall()
        if not rows:
            raise NotFoundError(f"No contradiction with id {cid!r}.",
                                hint="Run `analyst contradictions --status all` to list them.")
        if len(rows) > 1:
            raise NotFoundError(f"The id prefix {cid!r} matches {len(rows)} contradictions.",
                                hint="Give more characters of the id.")
        return rows[0]

    def set_status(self, cid: str, status: str) -> Contradiction:
        check_choice(status, tuple(PairStatus), "status")
        with self._lock, self._db:
            row = self._find(cid)
            self._db.execute("UPDATE ledger_contradictions SET status=? WHERE id=?", (status, row["id"]))
            return _to_contradiction(self._find(row["id"]))

    def mark_posted(self, ids: Sequence[str]) -> None:
        with self._lock, self._db:
            for cid in ids:
                self._db.execute("UPDATE ledger_contradictions SET status='posted' WHERE id=? AND status='new'",
                                 (cid,))

    def dismiss_within(self, ids: Sequence[str]) -> None:
        """Dismiss pairs; a retired one keeps `retired` and comes back dismissed. The caller holds the lock
        and its transaction (a dispute's dismissal is one transaction with its pairs')."""
        for cid in ids:
            self._db.execute("UPDATE ledger_contradictions SET prev_status = CASE WHEN status='retired' "
                             "THEN 'dismissed' ELSE prev_status END, status = CASE WHEN status='retired' "
                             "THEN 'retired' ELSE 'dismissed' END WHERE id=?", (cid,))

    # ---- claims ---------------------------------------------------------------------------
    def replace_claims(self, docs: Iterable[str], claims: Sequence[Claim]) -> None:
        """Delete every claim of `docs`, then store `claims`."""
        docs = list(set(docs))
        with self._lock, self._db:
            self._db.executemany("DELETE FROM claims_items WHERE doc=?", [(d,) for d in docs])
            self._db.executemany(
                "INSERT OR REPLACE INTO claims_items (id, key, doc, passage_id, source, speaker, title, date, "
                "start, \"end\", text, url) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(c.id, claim_key(c), c.doc, c.passage_id, c.source, c.speaker, c.title, c.date,
                  c.start, c.end, c.text, c.url) for c in claims])

    def claims(self, ids: Sequence[str] | None = None, speaker: str | None = None) -> list[Claim]:
        sql, args = "SELECT * FROM claims_items", []
        if ids is not None:
            if not ids:
                return []
            sql += f" WHERE id IN ({','.join('?' * len(ids))})"
            args = list(ids)
        elif speaker is not None:
            sql, args = sql + " WHERE speaker=?", [speaker]
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY doc, start", args).fetchall()
        return [Claim(id=r["id"], passage_id=r["passage_id"], doc=r["doc"], source=r["source"],
                      speaker=r["speaker"], title=r["title"], start=r["start"], end=r["end"],
                      text=r["text"], date=r["date"], url=r["url"]) for r in rows]

    def antecedent(self, key: str) -> str | None:
        """The text of the claim just before the claim with `key` in its document (what "We did not agree to
        that." points back at, often another speaker's), or None when it is the first or is not stored."""
        with self._lock:
            row = self._db.execute(
                "SELECT p.text FROM claims_items c JOIN claims_items p ON p.doc = c.doc AND p.start < c.start "
                "WHERE c.key=? ORDER BY p.start DESC LIMIT 1",
                (key,)).fetchone()
        return row["text"] if row else None

    def claim_count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM claims_items").fetchone()[0]

    # ---- verdict cache (a pair already judged is not sent to the model again) ---------------
    def cached_verdict(self, pair: str) -> tuple[str, float, str] | None:
        with self._lock:
            r = self._db.execute("SELECT label, score, explanation FROM claims_verdicts WHERE pair=?",
                                 (pair,)).fetchone()
        return (r["label"], r["score"], r["explanation"]) if r else None

    def cache_verdict(self, pair: str, label: str, score: float, explanation: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO claims_verdicts VALUES (?,?,?,?)",
                             (pair, label, score, explanation))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _to_contradiction(r: sqlite3.Row) -> Contradiction:
    return Contradiction(id=r["id"], score=r["score"], explanation=r["explanation"], status=PairStatus(r["status"]),
                         first_seen=r["first_seen"], a=Citation(**json.loads(r["a_json"])),
                         b=Citation(**json.loads(r["b_json"])), kind=DisputeKind(r["kind"]))


def pair_features(r: sqlite3.Row) -> dict[str, float]:
    """The judge's features stored with a pair ({} when it recorded none)."""
    try:
        return json.loads(r["features"]) if r["features"] else {}
    except ValueError:
        return {}


def _features_json(features: dict | None) -> str | None:
    if not features:
        return None
    out = {}
    for k, v in features.items():
        if isinstance(v, bool):
            out[str(k)] = float(v)
        elif isinstance(v, (int, float)):
            out[str(k)] = round(float(v), 4)
    return json.dumps(out, sort_keys=True) if out else None
