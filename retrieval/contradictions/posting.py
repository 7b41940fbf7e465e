"""What the digest says about disputes below its confidence bar.

The digest posts as items only disputes at or above `ANALYST_DIGEST_MIN_CONFIDENCE` (corroborated
ones); the rest stay `possible`. A possible dispute backed by one strong pair of statements (class
`single`, confidence 0.5: half of those in the labelled calibration runs are real) is still worth a
reader's glance. The digest names the strongest few not named before in its heading, one line each,
apart from its items, unless it shares a statement with an item (`nameable`). Each is named once
(`noted_at`); it stays `possible`, and is posted as an item if later statements corroborate it.
Weaker ones are only counted.

On the five calibration digest runs, labelled disputes reached by a posted item: 19 of 49; by an item
or a named line: 26 of 49, with 18 named lines, 10 of them real (README, *The digest*)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from retrieval.db import utc_now
from retrieval.models import Dispute
from retrieval.vocab import DisputeStatus

if TYPE_CHECKING:
    from retrieval.contradictions.disputes import DisputeBook


@dataclass
class BelowBar:
    """The digest's part on possible disputes: `named` (strongest first) get a line each; `unnamed`
    more could be named but did not fit; `since` possible disputes first seen since the last digest."""

    named: list[Dispute] = field(default_factory=list)
    unnamed: int = 0
    since: int = 0

    def __bool__(self) -> bool:
        return bool(self.named or self.since)


def migrate(book: DisputeBook) -> None:
    """Add `noted_at` to a dispute table made before possible disputes were named."""
    cols = {r[1] for r in book.db.execute("PRAGMA table_info(disputes_items)")}
    if "noted_at" not in cols:
        book.db.execute("ALTER TABLE disputes_items ADD COLUMN noted_at TEXT")


def last_digest(book: DisputeBook) -> str | None:
    """When the digest last posted an item or named a possible dispute."""
    with book.lock:
        row = book.db.execute("SELECT MAX(posted_at), MAX(noted_at) FROM disputes_items").fetchone()
    stamps = [s for s in row if s]
    return max(stamps) if stamps else None


def below_bar(book: DisputeBook, floor: float, lines: int) -> BelowBar:
    """Possible disputes to name (see `nameable`) not named before (at most `lines`, strongest first),
    and how many possible disputes arrived since the last digest."""
    with book.lock:
        noted = {r[0] for r in book.db.execute("SELECT id FROM disputes_items WHERE noted_at IS NOT NULL")}
    last = last_digest(book)
    every = book.list("all")  # strongest first
    possible = [d for d in every if d.status == DisputeStatus.POSSIBLE]
    confident = [d for d in every if d.status != DisputeStatus.POSSIBLE and d.confidence >= book.min_confidence]
    fresh = [d for d in nameable(possible, confident, floor) if d.id not in noted]
    since = sum(last is None or d.first_seen > last for d in possible)
    return BelowBar(named=fresh[:lines], unnamed=max(0, len(fresh) - lines) if lines else 0, since=since)


def nameable(possible: Sequence[Dispute], confident: Sequence[Dispute], floor: float) -> list[Dispute]:
    """The possible disputes the digest may name: at least `floor` confident, and sharing no statement
    with a dispute at or above its bar (`confident`). One that does mostly repeats that item's conflict
    or opposes a sentence the item holds to other things: on the calibration runs, of the 16 named
    lines sharing a statement with an item, 6 repeated the item's conflict, 9 were no conflict and 1
    was a conflict the digest had not shown."""
    taken = set().union(*(_statements(d) for d in confident))
    return [d for d in possible if d.confidence >= floor and not _statements(d) & taken]


def _statements(d: Dispute) -> set[tuple[str, int]]:
    return {(c.doc, c.start) for s in d.sides for c in s.citations}


def mark_noted(book: DisputeBook, ids: Sequence[str]) -> None:
    """Record that the digest named these possible disputes."""
    with book.lock, book.db:
        book.db.executemany("UPDATE disputes_items SET noted_at = COALESCE(noted_at, ?) WHERE id=?",
                            [(utc_now(), i) for i in ids])
