"""Disputes: the ledger's contradiction pairs grouped by the point in contention.

One conflict usually shows up as several pairs (a promised halt to strikes against four reports of
strikes during the halt is four pairs); an analyst wants it once, with every side's claims. A dispute
has a stable id (`d-` and 8 hex digits), a headline (a plain question, `headlines.py`), a kind, a
confidence (the share of real conflicts among disputes backed by as much independent evidence:
`confidence.py`), a status, first and last seen, and two sides: each claim
of each pair sits on side 1 or side 2, and each side lists its speakers with their claims verbatim.

Filing new pairs into disputes (`filing.py`, the matching in `grouping.py`) runs at index time after
detection, and for any pair left ungrouped when disputes are read. A pair joining a posted dispute
raises its `new_evidence` flag (the digest mentions it; it is not a new digest item); a pair joining a
dismissed dispute is dismissed with it.

This module reads disputes and changes their status. Dismissing a dispute dismisses all its pairs
(retired ones too, so they come back dismissed); dismissing a pair dismisses its dispute once no other
live pair is left in it.
Pair ids and the pair-to-dispute table are stable, so a dismissal sticks across re-indexing."""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from typing import Callable, Sequence

from retrieval.contradictions.confidence import dispute_confidence, key_pairs
from retrieval.contradictions.filing import PREFIX, Embed, Headliner, file_pairs, unfiled, upgrade_headlines
from retrieval.contradictions.ledger import Ledger
from retrieval.contradictions.posting import migrate
from retrieval.db import utc_now
from retrieval.errors import NotFoundError
from retrieval.models import Citation, Contradiction, Dismissal, Dispute, DisputePoint, DisputeSide
from retrieval.vocab import DISPUTE_FILTERS, DisputeKind, DisputeStatus, check_choice

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS disputes_items (
    id TEXT PRIMARY KEY, headline TEXT NOT NULL, headline_by TEXT NOT NULL, kind TEXT NOT NULL,
    status TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    new_evidence INTEGER NOT NULL DEFAULT 0, posted_at TEXT, headline_tries INTEGER NOT NULL DEFAULT 0,
    noted_at TEXT);
CREATE INDEX IF NOT EXISTS disputes_items_status ON disputes_items(status);
CREATE TABLE IF NOT EXISTS disputes_members (
    pair TEXT PRIMARY KEY, dispute TEXT NOT NULL, a_side INTEGER NOT NULL, joined TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS disputes_members_dispute ON disputes_members(dispute);
CREATE TABLE IF NOT EXISTS disputes_vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL);
"""
STORED = ("new", "posted", "dismissed")  # what the table holds; `possible` is new below the bar

Names = Callable[[str], str]


_LIST_HINTS = dict(hint="Run `analyst disputes --status all` to list them.",
                   hints={"console": "Type /disputes --status all to list them.",
                          "discord": "Use `/disputes status:all` to list them."})


def is_dispute_id(text: str) -> bool:
    return (text or "").strip().lower().startswith(PREFIX)


# ---- the book ---------------------------------------------------------------------------------------
class DisputeBook:
    def __init__(self, ledger: Ledger, *, min_confidence: float, names: Names = str) -> None:
        self.ledger = ledger
        self.min_confidence = min_confidence
        self.names = names
        self._update_lock = threading.Lock()  # one grouping at a time (short: no model calls)
        self._headline_lock = threading.Lock()  # one headline pass at a time (model calls)
        with self.lock, self.db:
            self.db.executescript(_SCHEMA)
            migrate(self)

    @property
    def db(self) -> sqlite3.Connection:
        return self.ledger.db

    @property
    def lock(self) -> threading.RLock:
        return self.ledger.lock

    # ---- grouping -----------------------------------------------------------------------------
    def pending(self) -> int:
        """Pairs not grouped yet."""
        with self.lock:
            return self.db.execute(
                "SELECT COUNT(*) FROM ledger_contradictions c WHERE c.status != 'retired' AND NOT EXISTS "
                "(SELECT 1 FROM disputes_members m WHERE m.pair = c.id)").fetchone()[0]

    def update(self, embed: Embed, headliner: Headliner | None = None) -> list[str]:
        """File every pair not in a dispute yet (`filing.py`); returns the ids of the disputes created.
        With a `headliner` (the model), new disputes get its checked headline, and a few template
        headlines of unposted disputes get another chance."""
        with self._update_lock:
            fresh, members = unfiled(self)
            created = file_pairs(self, fresh, members, embed) if fresh else []
        # Headlines outside the grouping lock: readers grouping a stray pair never wait for the model.
        if headliner is not None and self._headline_lock.acquire(blocking=False):
            try:
                upgrade_headlines(self, created, headliner)
            finally:
                self._headline_lock.release()
        return created

    # ---- reading ------------------------------------------------------------------------------
    def list(self, status: str = "new") -> list[Dispute]:
        """Disputes with `status` (or all), strongest first; a dispute whose pairs all left the corpus
        (retired) is not listed."""
        check_choice(status, DISPUTE_FILTERS, "status")
        out = [d for d in self._load() if status == "all" or d.status == status]
        out.sort(key=_strongest_first)
        return out

    def get(self, gid: str) -> Dispute:
        row = self._find(gid)
        found = self._load([row["id"]])
        if not found:
            raise NotFoundError(f"Dispute {row['id']} has no pairs left in the corpus.")
        return found[0]

    def dispute_of(self, pairs: Sequence[str]) -> dict[str, str]:
        """pair id → dispute id, for the pairs that are grouped."""
        if not pairs:
            return {}
        out: dict[str, str] = {}
        with self.lock:
            for i in range(0, len(pairs), 500):
                part = list(pairs[i:i + 500])
                for r in self.db.execute(f"SELECT pair, dispute FROM disputes_members WHERE pair IN "
                                         f"({','.join('?' * len(part))})", part):
                    out[r["pair"]] = r["dispute"]
        return out

    def annotate(self, items: list[Contradiction]) -> list[Contradiction]:
        """The pairs, each with its dispute's id and confidence, in the order `list` gives their disputes
        (confidence, then strength), strongest pair first within one."""
        ids = self.dispute_of([c.id for c in items])
        wanted = sorted(set(ids.values()))  # only these disputes, in chunks (SQLite's bound on parameters)
        disputes = [d for i in range(0, len(wanted), 500) for d in self._load(wanted[i : i + 500])]
        rank = {d.id: (n, d.confidence) for n, d in enumerate(sorted(disputes, key=_strongest_first))}
        for c in items:
            c.dispute = ids.get(c.id)
            c.confidence = rank[c.dispute][1] if c.dispute in rank else None
        return sorted(items, key=lambda c: (rank.get(c.dispute, (len(rank), 0.0))[0], -c.score, c.id))

    def _find(self, gid: str) -> sqlite3.Row:
        gid = (gid or "").strip().lower()
        tail = gid[len(PREFIX):] if gid.startswith(PREFIX) else ""
        if not tail or any(ch not in "0123456789abcdef" for ch in tail):
            raise NotFoundError(f"No dispute with id {gid!r} (dispute ids look like d-3f9a1c2b).", **_LIST_HINTS)
        with self.lock:
            rows = self.db.execute("SELECT * FROM disputes_items WHERE id LIKE ?", (gid + "%",)).fetchall()
        if not rows:
            raise NotFoundError(f"No dispute with id {gid!r}.", **_LIST_HINTS)
        if len(rows) > 1:
            raise NotFoundError(f"The id prefix {gid!r} matches {len(rows)} disputes.",
                                hint="Give more characters of the id.")
        return rows[0]

    def _load(self, ids: Sequence[str] | None = None) -> list[Dispute]:
        sql = ("SELECT d.id AS d_id, d.headline, d.kind AS d_kind, d.status AS d_status, d.first_seen AS d_first, "
               "d.last_seen AS d_last, d.new_evidence, m.a_side, c.id AS pair, c.score, c.status AS p_status, "
               "c.a_key, c.b_key, c.a_json, c.b_json FROM disputes_items d "
               "JOIN disputes_members m ON m.dispute = d.id JOIN ledger_contradictions c ON c.id = m.pair")
        args: list[str] = []
        if ids is not None:
            sql += f" WHERE d.id IN ({','.join('?' * len(ids))})"
            args = list(ids)
        with self.lock:
            rows = self.db.execute(sql + " ORDER BY d.id, c.score DESC, c.id", args).fetchall()
        by_id: dict[str, list[sqlite3.Row]] = {}
        for r in rows:
            by_id.setdefault(r["d_id"], []).append(r)
        return [d for d in (self._dispute(rs) for rs in by_id.values()) if d is not None]

    def _dispute(self, rows: list[sqlite3.Row]) -> Dispute | None:
        live = [r for r in rows if r["p_status"] != "retired"]
        if not live:
            return None
        claims: dict[str, tuple[int, Citation]] = {}
        for r in live:
            for side, key, blob in ((r["a_side"], r["a_key"], r["a_json"]),
                                    (3 - r["a_side"], r["b_key"], r["b_json"])):
                if key not in claims:
                    claims[key] = (side, Citation(**json.loads(blob)))
        active = [r for r in live if r["p_status"] != "dismissed"] or live
        edges = [(r["a_key"], r["b_key"], r["score"], claims[r["a_key"]][1].speaker == claims[r["b_key"]][1].speaker)
                 for r in active]
        evidence, confidence = dispute_confidence(edges)
        head = rows[0]
        status = head["d_status"]
        if status == "new" and confidence < self.min_confidence:
            status = DisputeStatus.POSSIBLE.value
        sides: dict[tuple[int, str], DisputeSide] = {}
        ordered = sorted(claims.values(), key=lambda t: (t[0], t[1].date or "", t[1].doc, t[1].start))
        for n, (side, c) in enumerate(ordered, 1):
            c.n = n
            sides.setdefault((side, c.speaker), DisputeSide(c.speaker, side)).citations.append(c)
        return Dispute(id=head["d_id"], headline=head["headline"], kind=DisputeKind(head["d_kind"]),
                       confidence=confidence, evidence=evidence, strength=round(max(r["score"] for r in active), 4),
                       status=DisputeStatus(status), first_seen=head["d_first"],
                       last_seen=head["d_last"], sides=list(sides.values()), pairs=[r["pair"] for r in live],
                       new_evidence=bool(head["new_evidence"]), points=_points(active, key_pairs(edges), claims))

    # ---- changing -----------------------------------------------------------------------------
    def dismiss(self, ident: str) -> Dismissal:
        """Dismiss a dispute (with all its pairs) or one pair, by id or unambiguous id prefix."""
        ident = (ident or "").strip()
        if is_dispute_id(ident):
            return self._dismiss_dispute(self._find(ident)["id"])
        try:
            return self._dismiss_pair(ident)
        except NotFoundError:
            try:  # a dispute id typed without its "d-"
                gid = self._find(PREFIX + ident.lower())["id"]
            except NotFoundError:
                raise NotFoundError(f"No dispute or contradiction with id {ident!r}.", **_LIST_HINTS) from None
            return self._dismiss_dispute(gid)

    def _dismiss_dispute(self, gid: str) -> Dismissal:
        with self.lock, self.db:
            row = self.db.execute("SELECT status FROM disputes_items WHERE id=?", (gid,)).fetchone()
            already = row["status"] == "dismissed"
            if not already:
                self.db.execute("UPDATE disputes_items SET status='dismissed', new_evidence=0 WHERE id=?", (gid,))
            pairs = [r["pair"] for r in self.db.execute("SELECT pair FROM disputes_members WHERE dispute=?", (gid,))]
            self.ledger.dismiss_within(pairs)
        log.info("dispute %s dismissed%s", gid, " (already)" if already else "")
        return Dismissal("dispute", gid, already, dispute=self._get_or_none(gid))

    def _dismiss_pair(self, ident: str) -> Dismissal:
        with self.lock, self.db:
            pair = self.ledger.get(ident)
            already = pair.status == "dismissed"
            self.ledger.dismiss_within([pair.id])
            gid = self.dispute_of([pair.id]).get(pair.id)
            if gid is not None:
                left = self.db.execute(
                    "SELECT COUNT(*) FROM disputes_members m JOIN ledger_contradictions c ON c.id = m.pair "
                    "WHERE m.dispute=? AND c.status NOT IN ('dismissed', 'retired')", (gid,)).fetchone()[0]
                if left == 0:
                    self.db.execute("UPDATE disputes_items SET status='dismissed', new_evidence=0 WHERE id=?",
                                    (gid,))
        pair = self.annotate([self.ledger.get(pair.id)])[0]
        return Dismissal("pair", pair.id, already, pair=pair,
                         dispute=self._get_or_none(gid) if gid else None)

    def mark_posted(self, ids: Sequence[str]) -> list[str]:
        """Mark disputes posted (their new pairs too) and clear their new-evidence flag; returns the ids
        that changed. Dismissed disputes stay dismissed."""
        changed = []
        with self.lock, self.db:
            for ident in ids:
                try:
                    gid = self._find(ident)["id"]
                except NotFoundError:
                    log.warning("mark_posted: no dispute %r", ident)
                    continue
                cur = self.db.execute(
                    "UPDATE disputes_items SET status = CASE WHEN status='new' THEN 'posted' ELSE status END, "
                    "posted_at = COALESCE(posted_at, ?), new_evidence = 0 "
                    "WHERE id=? AND (status='new' OR new_evidence=1)", (utc_now(), gid))
                if cur.rowcount:
                    changed.append(gid)
                self.db.execute("UPDATE ledger_contradictions SET status='posted' WHERE status='new' AND id IN "
                                "(SELECT pair FROM disputes_members WHERE dispute=?) AND "
                                "(SELECT status FROM disputes_items WHERE id=?)='posted'", (gid, gid))
        return changed

    def new_evidence(self) -> list[Dispute]:
        """Posted disputes that gained pairs since they were posted."""
        with self.lock:
            ids = [r["id"] for r in self.db.execute(
                "SELECT id FROM disputes_items WHERE status='posted' AND new_evidence=1")]
        return sorted(self._load(ids), key=lambda d: (-d.confidence, -d.strength, d.id)) if ids else []

    def _get_or_none(self, gid: str) -> Dispute | None:
        try:
            return self.get(gid)
        except NotFoundError:
            return None


def _points(rows: list[sqlite3.Row], keys: list[int], claims: dict[str, tuple[int, Citation]]) -> list[DisputePoint]:
    """The key pairs as points, side 1's claim first."""
    out = []
    for i in keys:
        r = rows[i]
        a, b = claims[r["a_key"]], claims[r["b_key"]]
        if a[0] != 1 and b[0] == 1:
            a, b = b, a
        out.append(DisputePoint(r["pair"], round(r["score"], 4), a[1], b[1]))
    return out


def _strongest_first(d: Dispute) -> tuple:
    """The order disputes are listed in: confidence, then strength, then the latest seen."""
    return (-d.confidence, -d.strength, _neg_time(d.last_seen), d.id)


def _neg_time(stamp: str) -> str:
    """A sort key putting later ISO timestamps first."""
    return "".join(chr(0x10FFFF - ord(ch)) for ch in stamp or "")
