"""The ledger on a real SQLite file: one record per pair, dismissal sticks, stale pairs retire."""
import threading

import pytest

from retrieval.errors import NotFoundError
from retrieval.contradictions.ledger import Ledger, pair_id
from retrieval.models import Claim


def claim(doc, text, speaker, start=0):
    return Claim(id=f"{doc}:{start}", passage_id="p", doc=doc, source="news", speaker=speaker, title="T",
                 start=start, end=start + len(text), text=text)


A = claim("a.md", "The exchange will take place on Wednesday.", "kremlin")
B = claim("b.md", "There has been no news of the exchange.", "news", start=40)


@pytest.fixture
def ledger(tmp_path):
    led = Ledger(tmp_path / "analyst.sqlite3")
    yield led
    led.close()


def test_pair_recorded_once_in_either_order(ledger):
    assert ledger.record(A, B, 0.9, "x") is True
    assert ledger.record(B, A, 0.8, "y") is False
    moved = claim("a.md", A.text, "kremlin", start=500)  # same claim, shifted by an edit elsewhere
    assert ledger.record(moved, B, 0.9, "x") is False
    rows = ledger.list("all")
    assert len(rows) == 1 and rows[0].id == pair_id(A, B)
    assert rows[0].a.start == 500 and rows[0].a.quote == A.text  # offsets follow the document


def test_dismiss_by_prefix_sticks_and_unknown_ids_fail(ledger):
    ledger.record(A, B, 0.9, "x")
    cid = ledger.list("new")[0].id
    assert ledger.set_status(cid[:6], "dismissed").status == "dismissed"
    ledger.record(A, B, 0.9, "x")
    assert ledger.list("new") == [] and len(ledger.list("dismissed")) == 1
    with pytest.raises(NotFoundError):
        ledger.set_status("ffffffffffff", "dismissed")
    with pytest.raises(NotFoundError):
        ledger.set_status("not-hex!", "dismissed")


def test_retire_and_revive_keep_previous_status(ledger):
    ledger.record(A, B, 0.9, "x")
    ledger.set_status(pair_id(A, B), "dismissed")
    ledger.replace_claims(["a.md", "b.md"], [A, B])
    assert ledger.retire_stale(["b.md"]) == 0  # both claims still stored
    ledger.replace_claims(["b.md"], [])
    assert ledger.retire_stale(["b.md"]) == 1
    assert ledger.list("all") == [] and len(ledger.list("retired")) == 1
    assert ledger.record(A, B, 0.9, "x") is False  # comes back dismissed, not new
    assert ledger.list("dismissed")[0].id == pair_id(A, B)


def test_mark_posted_only_moves_new(ledger):
    ledger.record(A, B, 0.9, "x")
    ledger.mark_posted([pair_id(A, B)])
    assert ledger.list("posted")[0].status == "posted"


def test_concurrent_writers(ledger):
    def work(n):
        for i in range(20):
            a = claim("a.md", f"Claim number {n}-{i} says a thing.", "kremlin")
            ledger.record(a, B, 0.9, "x")
    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ledger.list("new")) == 80
