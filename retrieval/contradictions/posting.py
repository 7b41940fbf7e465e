"""What the digest says about disputes below its confidence bar.

The digest posts as items only disputes at or above `ANALYST_DIGEST_MIN_CONFIDENCE` (corroborated
ones); the rest stay `possible`. A possible dispute backed by one strong pair of statements (class
`single`, confidence 0.46: about half of those in the labelled calibration runs are real) is still worth a
reader's glance. The digest names the strongest few not named before in its heading, one line each,
apart from its items (`nameable`). Each is named once (`noted_at`); it stays `possible`, and is posted
as an item if later statements corroborate it. Weaker ones are only counted.

Labelled disputes reached by a posted item or a named line, against items alone: 27 of 49 against 19
on the five calibration digest runs, 14 of 26 against 9 on three blind runs (README, *The digest*; `docs/disputes.md`)."""
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
    possible = book.list(DisputeStatus.POSSIBLE.value)  # strongest first
    fresh = [d for d in nameable(possible, floor) if d.id not in noted]
    since = sum(last is None or d.first_seen > last for d in possible)
    return BelowBar(named=fresh[:lines], unnamed=max(0, len(fresh) - lines) if lines else 0, since=since)


def nameable(possible: Sequence[Dispute], floor: float) -> list[Dispute]:
    """The possible disputes the digest may name: those at least `floor` confident. One sharing a
    statement with a dispute at or above the bar is named too: it may repeat that item's
    conflict, but an item often merges several conflicts, and a hidden conflict costs a reader more
    than a repeated one (measured both ways: README, *The digest*)."""
    return [d for d in possible if d.confidence >= floor]


def mark_noted(book: DisputeBook, ids: Sequence[str]) -> None:
    """Record that the digest named these possible disputes."""
    with book.lock, book.db:
        book.db.executemany("UPDATE disputes_items SET noted_at = COALESCE(noted_at, ?) WHERE id=?",
                            [(utc_now(), i) for i in ids])
