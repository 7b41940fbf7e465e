"""Disputes: the ledger's contradiction pairs grouped by the point in contention.

One conflict usually shows up as several pairs (a promised halt to strikes against four reports of
strikes during the halt is four pairs); an analyst wants it once, with every side's claims. A dispute
has a stable id (`d-` and 8 hex digits), a headline (a plain question, `headlines.py`), a kind, a
confidence (its strongest live pair's calibrated confidence: pairs about one point are not independent
evidence, so they are not multiplied together), a status, first and last seen, and two sides: each claim
of each pair sits on side 1 or side 2, and each side lists its speakers with their claims verbatim.

Grouping (`grouping.py`) runs at index time after detection, and for any pair left ungrouped when
disputes are read.

A pair joining a dispute updates its last_seen; after the dispute was posted it also raises its
`new_evidence` flag (the digest mentions it; it is not a new digest item). A pair joining a dismissed
dispute is dismissed with it. Dismissing a dispute dismisses all its pairs (retired ones too, so they
come back dismissed); dismissing a pair dismisses its dispute once no other live pair is left in it.
Pair ids and the pair-to-dispute table are stable, so a dismissal sticks across re-indexing."""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from datetime import datetime, timezone
from typing import Callable, Iterable, Sequence

import numpy as np

from retrieval.contradictions.grouping import JOIN, Group, Ref, claim_order, is_numeric, link, party_order
from retrieval.contradictions.headlines import Statement, template_headline
from retrieval.contradictions.ledger import Ledger, pair_features
from retrieval.errors import AnalystError, NotFoundError
from retrieval.models import Citation, Contradiction, Dismissal, Dispute, DisputeSide
from retrieval.vocab import DISPUTE_FILTERS, DisputeKind, DisputeStatus, check_choice

log = logging.getLogger(__name__)

HEADLINE_UPGRADES = 8  # template headlines re-asked of the model per update ...
HEADLINE_TRIES = 2  # ... and at most this many times each

PREFIX = "d-"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS disputes_items (
    id TEXT PRIMARY KEY, headline TEXT NOT NULL, headline_by TEXT NOT NULL, kind TEXT NOT NULL,
    status TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    new_evidence INTEGER NOT NULL DEFAULT 0, posted_at TEXT, headline_tries INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS disputes_items_status ON disputes_items(status);
CREATE TABLE IF NOT EXISTS disputes_members (
    pair TEXT PRIMARY KEY, dispute TEXT NOT NULL, a_side INTEGER NOT NULL, joined TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS disputes_members_dispute ON disputes_members(dispute);
CREATE TABLE IF NOT EXISTS disputes_vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL);
"""
STORED = ("new", "posted", "dismissed")  # what the table holds; `possible` is new below the bar

Embed = Callable[[list[str]], np.ndarray]
Names = Callable[[str], str]
# (kind, side-1 statements, side-2 statements) -> headline or None; may raise (model unavailable)
Headliner = Callable[[str, Sequence[Statement], Sequence[Statement]], "str | None"]


_LIST_HINTS = dict(hint="Run `analyst disputes --status all` to list them.",
                   hints={"console": "Type /disputes --status all to list them.",
                          "discord": "Use `/disputes status:all` to list them."})


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


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
        """Group every ungrouped pair; returns the ids of the disputes created. With a `headliner` (the
        model), new disputes get its checked headline, and a few template headlines of unposted
        disputes get another chance."""
        with self._update_lock:
            with self.lock:
                fresh = self.db.execute(
                    "SELECT * FROM ledger_contradictions c WHERE c.status != 'retired' AND NOT EXISTS "
                    "(SELECT 1 FROM disputes_members m WHERE m.pair = c.id) "
                    "ORDER BY c.first_seen, c.score DESC, c.id").fetchall()
                members = self.db.execute(
                    "SELECT m.pair, m.dispute, m.a_side, c.a_key, c.b_key, c.a_json, c.b_json, c.features, "
                    "d.kind, d.status FROM disputes_members m JOIN ledger_contradictions c ON c.id = m.pair "
                    "JOIN disputes_items d ON d.id = m.dispute ORDER BY m.joined, m.pair").fetchall()
            created: list[str] = []
            if fresh:
                created = self._group(fresh, members, embed)
        # Headlines outside the grouping lock: readers grouping a stray pair never wait for the model.
        if headliner is not None and self._headline_lock.acquire(blocking=False):
            try:
                self._headlines(created, headliner)
            finally:
                self._headline_lock.release()
        return created

    def _group(self, fresh: list[sqlite3.Row], members: list[sqlite3.Row], embed: Embed) -> list[str]:
        fresh = claim_order(fresh)
        rows = list(members) + list(fresh)
        vectors = self._vectors(rows, embed)

        def refs(r: sqlite3.Row) -> tuple[Ref, Ref]:
            out = []
            for side in ("a", "b"):
                cit = json.loads(r[f"{side}_json"])
                key = r[f"{side}_key"]
                out.append(Ref(key, cit["speaker"], cit["quote"], cit.get("date"), vectors[key],
                                party_order(cit["quote"])))
            return out[0], out[1]

        groups: dict[str, Group] = {}
        for m in members:
            g = groups.setdefault(m["dispute"], Group(m["dispute"], m["kind"], m["status"]))
            a, b = refs(m)
            first, second = (a, b) if m["a_side"] == 1 else (b, a)
            g.add(first, second, is_numeric(pair_features(m)))

        now = _now()
        joined: dict[str, list[str]] = {}
        created: list[str] = []
        inserts: list[tuple[str, str, int]] = []
        founded: dict[str, list[str]] = {}  # new dispute → its pairs' statuses
        for r in fresh:
            a, b = refs(r)
            numeric = is_numeric(pair_features(r))
            best, best_score, best_flip = None, 0.0, False
            for g in groups.values():
                score, flip = link(a, b, numeric, g)
                if score > best_score:
                    best, best_score, best_flip = g, score, flip
            if best is not None and best_score >= JOIN:
                a_side = 2 if best_flip else 1
                joined.setdefault(best.id, []).append(r["id"])
            else:
                best = Group(self._new_id(r["id"], groups), r["kind"], "new")
                groups[best.id] = best
                created.append(best.id)
                a_side = 2 if a.date and b.date and b.date < a.date else 1  # side 1: the earlier statement
            first, second = (a, b) if a_side == 1 else (b, a)
            best.add(first, second, numeric)
            inserts.append((r["id"], best.id, a_side))
            if best.id in created:
                founded.setdefault(best.id, []).append(r["status"])

        with self.lock, self.db:
            for gid in created:
                g = groups[gid]
                self.db.execute("INSERT OR IGNORE INTO disputes_items (id, headline, headline_by, kind, status, "
                                "first_seen, last_seen, new_evidence) VALUES (?,?,?,?,?,?,?,0)",
                                (gid, self._template(g), "template", g.kind, _founding_status(founded[gid]),
                                 now, now))
            for pair, gid, a_side in inserts:
                self.db.execute("INSERT OR IGNORE INTO disputes_members VALUES (?,?,?,?)", (pair, gid, a_side, now))
            for gid, pairs in joined.items():
                self.db.execute("UPDATE disputes_items SET last_seen=?, new_evidence = CASE WHEN status='posted' "
                                "THEN 1 ELSE new_evidence END WHERE id=?", (now, gid))
                if groups[gid].status == "dismissed":
                    self._dismiss_pairs(pairs)
        for gid, pairs in joined.items():
            log.info("dispute %s: %d new pair(s) joined", gid, len(pairs))
        log.info("disputes: %d pair(s) grouped, %d new dispute(s)", len(fresh), len(created))
        return created

    def _new_id(self, pair: str, groups: dict[str, Group]) -> str:
        digest = hashlib.sha1(pair.encode()).hexdigest()
        with self.lock:
            for n in range(8, 41):
                gid = PREFIX + digest[:n]
                taken = gid in groups or self.db.execute(
                    "SELECT 1 FROM disputes_items WHERE id=?", (gid,)).fetchone() is not None
                if not taken:
                    return gid
        raise RuntimeError("no free dispute id")  # unreachable: sha1 digests differ

    def _vectors(self, rows: Iterable[sqlite3.Row], embed: Embed) -> dict[str, np.ndarray]:
        texts: dict[str, str] = {}
        for r in rows:
            for side in ("a", "b"):
                texts.setdefault(r[f"{side}_key"], json.loads(r[f"{side}_json"])["quote"])
        keys = list(texts)
        out: dict[str, np.ndarray] = {}
        with self.lock:
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                for row in self.db.execute(f"SELECT key, vector FROM disputes_vectors WHERE key IN "
                                           f"({','.join('?' * len(part))})", part):
                    out[row["key"]] = np.frombuffer(row["vector"], dtype=np.float32)
        missing = [k for k in keys if k not in out]
        if missing:
            vecs = np.asarray(embed([texts[k] for k in missing]), dtype=np.float32)
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            vecs = vecs / np.where(norms > 0, norms, 1.0)
            with self.lock, self.db:
                for k, v in zip(missing, vecs):
                    out[k] = v
                    self.db.execute("INSERT OR REPLACE INTO disputes_vectors VALUES (?,?)", (k, v.tobytes()))
        return out

    # ---- headlines ----------------------------------------------------------------------------
    def _statements(self, d: Dispute) -> tuple[list[Statement], list[Statement]]:
        out: tuple[list[Statement], list[Statement]] = ([], [])
        for s in d.sides:
            for c in s.citations:
                out[s.side - 1].append((self.names(s.speaker), c.date, c.quote))
        return out

    def _template(self, g: Group) -> str:
        side1 = [(self.names(r.speaker), r.date, r.text) for r in g.sides[0]]
        side2 = [(self.names(r.speaker), r.date, r.text) for r in g.sides[1]]
        return template_headline(g.kind, side1, side2)

    def _headlines(self, created: list[str], headliner: Headliner) -> None:
        with self.lock:
            upgrade = [r["id"] for r in self.db.execute(
                "SELECT id FROM disputes_items WHERE headline_by='template' AND status='new' AND headline_tries < ? "
                "ORDER BY last_seen DESC LIMIT ?", (HEADLINE_TRIES, HEADLINE_UPGRADES + len(created)))]
        todo = created + [i for i in upgrade if i not in created]
        for gid in todo[: HEADLINE_UPGRADES + len(created)]:
            try:
                d = self.get(gid)
            except NotFoundError:
                continue
            side1, side2 = self._statements(d)
            with self.lock, self.db:
                self.db.execute("UPDATE disputes_items SET headline_tries = headline_tries + 1 WHERE id=?", (gid,))
            try:
                line = headliner(d.kind, side1, side2)
            except AnalystError as exc:  # the model went away: keep the template headline
                log.warning("dispute headline: model unavailable (%s); keeping the template", exc.user_message)
                return
            if line:
                with self.lock, self.db:
                    self.db.execute("UPDATE disputes_items SET headline=?, headline_by='model' WHERE id=?",
                                    (line, gid))

    # ---- reading ------------------------------------------------------------------------------
    def list(self, status: str = "new") -> list[Dispute]:
        """Disputes with `status` (or all), strongest first; a dispute whose pairs all left the corpus
        (retired) is not listed."""
        check_choice(status, DISPUTE_FILTERS, "status")
        out = [d for d in self._load() if status == "all" or d.status == status]
        out.sort(key=lambda d: (-d.confidence, _neg_time(d.last_seen), d.id))
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
        ids = self.dispute_of([c.id for c in items])
        for c in items:
            c.dispute = ids.get(c.id)
        return items

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
        active = [r for r in live if r["p_status"] != "dismissed"] or live
        confidence = round(max(r["score"] for r in active), 4)
        head = rows[0]
        status = head["d_status"]
        if status == "new" and confidence < self.min_confidence:
            status = DisputeStatus.POSSIBLE.value
        claims: dict[str, tuple[int, Citation]] = {}
        for r in live:
            for side, key, blob in ((r["a_side"], r["a_key"], r["a_json"]),
                                    (3 - r["a_side"], r["b_key"], r["b_json"])):
                if key not in claims:
                    claims[key] = (side, Citation(**json.loads(blob)))
        sides: dict[tuple[int, str], DisputeSide] = {}
        ordered = sorted(claims.values(), key=lambda t: (t[0], t[1].date or "", t[1].doc, t[1].start))
        for n, (side, c) in enumerate(ordered, 1):
            c.n = n
            sides.setdefault((side, c.speaker), DisputeSide(c.speaker, side)).citations.append(c)
        return Dispute(id=head["d_id"], headline=head["headline"], kind=DisputeKind(head["d_kind"]),
                       confidence=confidence, status=DisputeStatus(status), first_seen=head["d_first"],
                       last_seen=head["d_last"], sides=list(sides.values()), pairs=[r["pair"] for r in live],
                       new_evidence=bool(head["new_evidence"]))

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
            self._dismiss_pairs(pairs)
        log.info("dispute %s dismissed%s", gid, " (already)" if already else "")
        return Dismissal("dispute", gid, already, dispute=self._get_or_none(gid))

    def _dismiss_pair(self, ident: str) -> Dismissal:
        with self.lock, self.db:
            pair = self.ledger.get(ident)
            already = pair.status == "dismissed"
            self._dismiss_pairs([pair.id])
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

    def _dismiss_pairs(self, pairs: Sequence[str]) -> None:
        """Dismiss pairs; a retired one keeps `retired` and comes back dismissed. (Caller holds the lock.)"""
        for pid in pairs:
            self.db.execute("UPDATE ledger_contradictions SET prev_status = CASE WHEN status='retired' "
                            "THEN 'dismissed' ELSE prev_status END, status = CASE WHEN status='retired' "
                            "THEN 'retired' ELSE 'dismissed' END WHERE id=?", (pid,))

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
                    "WHERE id=? AND (status='new' OR new_evidence=1)", (_now(), gid))
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
        return sorted(self._load(ids), key=lambda d: (-d.confidence, d.id)) if ids else []

    def _get_or_none(self, gid: str) -> Dispute | None:
        try:
            return self.get(gid)
        except NotFoundError:
            return None


def _founding_status(pair_statuses: list[str]) -> str:
    """A new dispute made of pairs dismissed or posted before disputes existed keeps their state: it is
    not posted again, nor revived."""
    if all(s == "dismissed" for s in pair_statuses):
        return "dismissed"
    if "new" not in pair_statuses:
        return "posted"
    return "new"


def _neg_time(stamp: str) -> str:
    """A sort key putting later ISO timestamps first."""
    return "".join(chr(0x10FFFF - ord(ch)) for ch in stamp or "")
