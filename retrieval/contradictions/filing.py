"""Filing new contradiction pairs into disputes (`DisputeBook.update`): every pair not in a dispute yet
goes into the dispute it matches best or founds a new one (the matching itself: `grouping.py`), and
the dispute tables are written in one transaction.

A pair joining a dispute updates its last_seen; after the dispute was posted it also raises its
`new_evidence` flag. A pair joining a dismissed dispute is dismissed with it. A new dispute made only
of pairs posted or dismissed before disputes existed keeps their state.

`upgrade_headlines` then asks the model (the `headliner`) for the new disputes' headlines, and gives a
few template headlines of unposted disputes another chance (HEADLINE_UPGRADES, each HEADLINE_TRIES
times at most)."""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import numpy as np

from retrieval.contradictions.grouping import Group, Placement, Ref, claim_order, is_numeric, party_order, place
from retrieval.contradictions.headlines import Statement, template_headline
from retrieval.contradictions.ledger import pair_features
from retrieval.contradictions.stance import refers_back
from retrieval.db import utc_now
from retrieval.errors import AnalystError, NotFoundError
from retrieval.models import Dispute
from retrieval.text import content_words

if TYPE_CHECKING:
    from retrieval.contradictions.disputes import DisputeBook

log = logging.getLogger(__name__)

PREFIX = "d-"
CONTEXT_WORDS = 4  # a claim pointing back with fewer content words is embedded with the claim before it
HEADLINE_UPGRADES = 8  # template headlines re-asked of the model per update ...
HEADLINE_TRIES = 2  # ... and at most this many times each

Embed = Callable[[list[str]], np.ndarray]
# (kind, side-1 statements, side-2 statements) -> headline or None; may raise (model unavailable)
Headliner = Callable[[str, Sequence[Statement], Sequence[Statement]], "str | None"]


def unfiled(book: DisputeBook) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
    """(the live pairs in no dispute yet, oldest first; every filed pair with its dispute)."""
    with book.lock:
        fresh = book.db.execute(
            "SELECT * FROM ledger_contradictions c WHERE c.status != 'retired' AND NOT EXISTS "
            "(SELECT 1 FROM disputes_members m WHERE m.pair = c.id) "
            "ORDER BY c.first_seen, c.score DESC, c.id").fetchall()
        members = book.db.execute(
            "SELECT m.pair, m.dispute, m.a_side, c.a_key, c.b_key, c.a_json, c.b_json, c.features, "
            "d.kind, d.status FROM disputes_members m JOIN ledger_contradictions c ON c.id = m.pair "
            "JOIN disputes_items d ON d.id = m.dispute ORDER BY m.joined, m.pair").fetchall()
    return fresh, members


def file_pairs(book: DisputeBook, fresh: list[sqlite3.Row], members: list[sqlite3.Row], embed: Embed) -> list[str]:
    """File the `fresh` pairs among the disputes `members` make up; returns the ids of new disputes."""
    fresh = claim_order(fresh)
    vectors = _vectors(book, list(members) + list(fresh), embed)

    def refs(r: sqlite3.Row) -> tuple[Ref, Ref]:
        out = []
        for side in ("a", "b"):
            cit, key = json.loads(r[f"{side}_json"]), r[f"{side}_key"]
            out.append(Ref(key, cit["speaker"], cit["quote"], cit.get("date"), vectors[key], party_order(cit["quote"])))
        return out[0], out[1]

    groups: dict[str, Group] = {}
    for m in members:
        g = groups.setdefault(m["dispute"], Group(m["dispute"], m["kind"], m["status"]))
        a, b = refs(m)
        g.add(*((a, b) if m["a_side"] == 1 else (b, a)), is_numeric(pair_features(m)))
    placed = [place(r["id"], *refs(r), is_numeric(pair_features(r)), r["kind"], groups,
                    lambda pair: _new_id(book, pair, groups)) for r in fresh]
    created = _write(book, groups, placed, {r["id"]: r["status"] for r in fresh})
    log.info("disputes: %d pair(s) grouped, %d new dispute(s)", len(fresh), len(created))
    return created


def _write(book: DisputeBook, groups: dict[str, Group], placed: list[Placement], status_of: dict[str, str]) -> list[str]:
    """Store the placements in one transaction: new disputes, members, last_seen and new evidence of the
    disputes joined (a pair joining a dismissed one is dismissed); returns the new disputes' ids."""
    created = [p.group for p in placed if p.created]
    joined: dict[str, list[str]] = {}
    for p in placed:
        if p.group not in created:
            joined.setdefault(p.group, []).append(p.pair)
    stamp = utc_now()
    with book.lock, book.db:
        for gid in created:
            g = groups[gid]
            founding = [status_of[p.pair] for p in placed if p.group == gid]
            book.db.execute("INSERT OR IGNORE INTO disputes_items (id, headline, headline_by, kind, status, "
                            "first_seen, last_seen, new_evidence) VALUES (?,?,?,?,?,?,?,0)",
                            (gid, _template(book, g), "template", g.kind, _founding_status(founding), stamp, stamp))
        for p in placed:
            book.db.execute("INSERT OR IGNORE INTO disputes_members VALUES (?,?,?,?)", (p.pair, p.group, p.a_side, stamp))
        for gid, pairs in joined.items():
            book.db.execute("UPDATE disputes_items SET last_seen=?, new_evidence = CASE WHEN status='posted' "
                            "THEN 1 ELSE new_evidence END WHERE id=?", (stamp, gid))
            if groups[gid].status == "dismissed":
                book.ledger.dismiss_within(pairs)
    for gid, pairs in joined.items():
        log.info("dispute %s: %d new pair(s) joined", gid, len(pairs))
    return created


def _template(book: DisputeBook, g: Group) -> str:
    side1 = [(book.names(r.speaker), r.date, r.text) for r in g.sides[0]]
    side2 = [(book.names(r.speaker), r.date, r.text) for r in g.sides[1]]
    return template_headline(g.kind, side1, side2)


def _new_id(book: DisputeBook, pair: str, groups: dict[str, Group]) -> str:
    digest = hashlib.sha1(pair.encode()).hexdigest()
    with book.lock:
        for n in range(8, 41):
            gid = PREFIX + digest[:n]
            taken = gid in groups or book.db.execute(
                "SELECT 1 FROM disputes_items WHERE id=?", (gid,)).fetchone() is not None
            if not taken:
                return gid
    raise RuntimeError("no free dispute id")  # unreachable: sha1 digests differ


def _vectors(book: DisputeBook, rows: Iterable[sqlite3.Row], embed: Embed) -> dict[str, np.ndarray]:
    """Each claim's unit embedding, from the `disputes_vectors` cache or embedded (and cached) now. A
    claim that means only what it points back at ("We did not agree to that.") is embedded with the
    claim before it in its document (`in_context`)."""
    texts: dict[str, str] = {}
    for r in rows:
        for side in ("a", "b"):
            texts.setdefault(r[f"{side}_key"], json.loads(r[f"{side}_json"])["quote"])
    cache_keys = {k: _cache_key(book, k, q) for k, q in texts.items()}
    out: dict[str, np.ndarray] = {}
    with book.lock:
        wanted = [ck for ck, _ in cache_keys.values()]
        for i in range(0, len(wanted), 500):
            part = wanted[i:i + 500]
            for row in book.db.execute(f"SELECT key, vector FROM disputes_vectors WHERE key IN "
                                       f"({','.join('?' * len(part))})", part):
                out[row["key"]] = np.frombuffer(row["vector"], dtype=np.float32)
    missing = [k for k in texts if cache_keys[k][0] not in out]
    if missing:
        vecs = np.asarray(embed([cache_keys[k][1] for k in missing]), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = vecs / np.where(norms > 0, norms, 1.0)
        with book.lock, book.db:
            for k, v in zip(missing, vecs):
                out[cache_keys[k][0]] = v
                book.db.execute("INSERT OR REPLACE INTO disputes_vectors VALUES (?,?)", (cache_keys[k][0], v.tobytes()))
    return {k: out[cache_keys[k][0]] for k in texts}


def _cache_key(book: DisputeBook, key: str, quote: str) -> tuple[str, str]:
    """(the vector cache's key, the text to embed) for the claim with `key`."""
    if not in_context(quote):
        return key, quote
    before = book.ledger.antecedent(key)
    if not before:
        return key, quote
    text = f"{before} {quote}"
    return f"{key}:{hashlib.sha1(text.encode()).hexdigest()[:12]}", text


def in_context(quote: str) -> bool:
    """A claim that points back at what was said before it and has fewer than CONTEXT_WORDS content words
    of its own: its meaning is in what it points at, so it is grouped by that ("We did not agree to
    that.", "Iran rejected the accounts.")."""
    return refers_back(quote) and len(content_words(quote)) < CONTEXT_WORDS


def upgrade_headlines(book: DisputeBook, created: list[str], headliner: Headliner) -> None:
    with book.lock:
        upgrade = [r["id"] for r in book.db.execute(
            "SELECT id FROM disputes_items WHERE headline_by='template' AND status='new' AND headline_tries < ? "
            "ORDER BY last_seen DESC LIMIT ?", (HEADLINE_TRIES, HEADLINE_UPGRADES + len(created)))]
    todo = created + [i for i in upgrade if i not in created]
    for gid in todo[: HEADLINE_UPGRADES + len(created)]:
        try:
            d = book.get(gid)
        except NotFoundError:
            continue
        side1, side2 = _statements(book, d)
        with book.lock, book.db:
            book.db.execute("UPDATE disputes_items SET headline_tries = headline_tries + 1 WHERE id=?", (gid,))
        try:
            line = headliner(d.kind, side1, side2)
        except AnalystError as exc:  # the model went away: keep the template headline
            log.warning("dispute headline: model unavailable (%s); keeping the template", exc.user_message)
            return
        if line:
            with book.lock, book.db:
                book.db.execute("UPDATE disputes_items SET headline=?, headline_by='model' WHERE id=?", (line, gid))


def _statements(book: DisputeBook, d: Dispute) -> tuple[list[Statement], list[Statement]]:
    """Each side's statements, those of the dispute's key pairs first (strongest pair first): the model
    reads the first of each side, and a large dispute's earliest claims need not answer each other."""
    first = [(c, side) for p in d.points for c, side in ((p.a, 0), (p.b, 1))]
    rest = [(c, s.side - 1) for s in d.sides for c in s.citations]
    out: tuple[list[Statement], list[Statement]] = ([], [])
    seen: set[tuple[str, int]] = set()
    for c, side in first + rest:
        if (c.doc, c.start) not in seen:
            seen.add((c.doc, c.start))
            out[side].append((book.names(c.speaker), c.date, c.quote))
    return out


def _founding_status(pair_statuses: list[str]) -> str:
    """A new dispute made of pairs dismissed or posted before disputes existed keeps their state: it is
    not posted again, nor revived."""
    if all(s == "dismissed" for s in pair_statuses):
        return "dismissed"
    if "new" not in pair_statuses:
        return "posted"
    return "new"
