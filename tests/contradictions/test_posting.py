"""What the digest says of disputes below its bar (`contradictions/posting.py`), on a real SQLite ledger
with the real MiniLM embedder: the strongest possible disputes at or above the floor are named, at most
`lines` of them, each once; weaker ones are only counted, and one sharing a statement with a digest item
is named too; a table made before naming existed gains its column."""
from __future__ import annotations

import sqlite3

from retrieval.contradictions.disputes import DisputeBook
from retrieval.contradictions.ledger import Ledger
from retrieval.contradictions.posting import below_bar, last_digest, mark_noted
from retrieval.contradictions.ledger import pair_id
from retrieval.settings import Settings
from tests.contradictions.test_disputes import (  # noqa: F401  (fixtures used by name)
    FIVE, HALT, NOT_SIGNED, RU_DENY, RU_DID, SWAP_K, SWAP_Z, TREATY, UA_DENY, UA_DID, book, embed, ledger, record,
)

FLOOR = Settings(_env_file=None).digest_possible_min_confidence  # the default: single-pair disputes, not weak


def test_the_strongest_possible_disputes_are_named_once_and_weak_ones_only_counted(ledger, book, embed):
    record(ledger, [(SWAP_K, SWAP_Z)], score=0.95)  # three points, one strong pair each: `single`
    record(ledger, [(RU_DENY, RU_DID)], score=0.9)
    record(ledger, [(UA_DID, UA_DENY)], score=0.85)
    record(ledger, [(TREATY, NOT_SIGNED)], score=0.6)  # weak evidence only
    book.update(embed)
    possible = book.list("possible")
    assert len(possible) == 4 and all(d.confidence < book.min_confidence for d in possible)

    bb = below_bar(book, floor=FLOOR, lines=2)
    assert [d.strength for d in bb.named] == [0.95, 0.9]  # strongest first, at most two
    assert bb.unnamed == 1 and bb.since == 4  # one more above the floor; four arrived (none posted yet)
    mark_noted(book, [d.id for d in bb.named])
    assert last_digest(book) is not None

    again = below_bar(book, floor=FLOOR, lines=2)
    assert [d.strength for d in again.named] == [0.85] and again.unnamed == 0  # each named once
    assert again.since == 0  # nothing arrived since the digest named them
    mark_noted(book, [d.id for d in again.named])
    assert not below_bar(book, floor=FLOOR, lines=2)  # the weak one is never named
    assert [d.status for d in book.list("possible")] == ["possible"] * 4  # named, not posted


def test_a_dispute_table_from_before_naming_gains_its_column(tmp_path, embed):
    path = tmp_path / "analyst.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE disputes_items (id TEXT PRIMARY KEY, headline TEXT NOT NULL, "
                     "headline_by TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, first_seen TEXT NOT NULL, "
                     "last_seen TEXT NOT NULL, new_evidence INTEGER NOT NULL DEFAULT 0, posted_at TEXT, "
                     "headline_tries INTEGER NOT NULL DEFAULT 0);")
    db.close()
    led = Ledger(path)
    try:
        old = DisputeBook(led, min_confidence=0.8)
        record(led, [(SWAP_K, SWAP_Z)])
        old.update(embed)
        [d] = below_bar(old, floor=FLOOR, lines=5).named
        mark_noted(old, [d.id])
        assert below_bar(old, floor=FLOOR, lines=5).named == []
    finally:
        led.close()


def test_a_possible_dispute_sharing_a_statement_with_an_item_is_named_too(ledger, book, embed):
    record(ledger, FIVE)  # corroborated: a digest item
    record(ledger, [(HALT, SWAP_Z)])  # the item's claim against something else: one strong pair
    record(ledger, [(UA_DID, UA_DENY)])  # one strong pair, nothing shared
    book.update(embed)
    [item] = book.list("new")
    by_pair = book.dispute_of([pair_id(HALT, SWAP_Z), pair_id(UA_DID, UA_DENY)])
    shares, alone = by_pair[pair_id(HALT, SWAP_Z)], by_pair[pair_id(UA_DID, UA_DENY)]
    assert len({item.id, shares, alone}) == 3  # three disputes; the first two hold the same sentence
    assert {d.id for d in book.list("possible")} == {shares, alone}
    # an item often merges several conflicts: one sharing its sentence may be another, so it is named
    assert {d.id for d in below_bar(book, floor=FLOOR, lines=5).named} == {shares, alone}


def test_with_no_lines_the_digest_only_counts(ledger, book, embed):
    record(ledger, [(SWAP_K, SWAP_Z)])
    book.update(embed)
    bb = below_bar(book, floor=FLOOR, lines=0)
    assert bb.named == [] and bb.unnamed == 0 and bb.since == 1 and bb
