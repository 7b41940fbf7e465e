"""Index runs killed halfway, and two index runs at once.

Real `analyst index` processes (SIGKILL, no clean-up), embedded Chroma and SQLite on disk. The state a
run leaves is compared with a clean reference run over the same corpus: passages, manifest, claims and
ledger must match exactly after the next run completes the interrupted one."""
from __future__ import annotations

import signal

import pytest

from tests.faults.helpers import (
    assert_consistent, many_documents, run_index, snapshot, spawn_index, wait_for_lines,
)

N_DOCS = 16


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A clean, uninterrupted run over the same corpus: what every other run must converge to."""
    base = tmp_path_factory.mktemp("reference")
    corpus = base / "corpus"
    many_documents(corpus, N_DOCS)
    rc, _, err = run_index(base / "data", corpus, base)
    assert rc == 0, err
    snap = snapshot(base / "data")
    assert len(snap["manifest"]) == N_DOCS and snap["claims"], "reference run indexed too little"
    return snap


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    many_documents(root, N_DOCS)
    return root


@pytest.mark.parametrize("kill_after", [5, N_DOCS], ids=["mid-documents", "during-detection"])
def test_killed_run_is_completed_by_the_next(tmp_path, corpus, reference, kill_after):
    data = tmp_path / "data"
    proc = spawn_index(data, corpus, tmp_path)
    wait_for_lines(proc, "] indexed ", kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL

    rc, out, err = run_index(data, corpus, tmp_path)
    assert rc == 0, err
    assert "0 removed" in out and f"Indexed {N_DOCS} documents" in out
    snap = snapshot(data)
    assert_consistent(snap)
    assert snap == reference  # every document indexed exactly once, claims and ledger complete

    rc, out, _ = run_index(data, corpus, tmp_path)  # and the run after that has nothing to do
    assert rc == 0 and f"0 added, 0 updated, 0 removed, {N_DOCS} unchanged" in out


def test_second_concurrent_run_is_refused_clearly(tmp_path):
    corpus = tmp_path / "corpus"
    docs = many_documents(corpus, 48)  # enough work that the first run is still going when the second starts
    data = tmp_path / "data"
    first = spawn_index(data, corpus, tmp_path)
    wait_for_lines(first, "] indexed ", 1)  # the first run holds the lock and is writing
    rc, out, err = run_index(data, corpus, tmp_path)
    assert rc == 2, (out, err)
    assert err.strip().splitlines()[-1] == ("analyst: Another index run is in progress. Wait for it to "
                                            "finish; it holds the lock in the data directory.")
    assert first.poll() is None, "the first run finished too early for this test to mean anything"
    first.communicate(timeout=300)
    assert first.returncode == 0
    snap = snapshot(data)
    assert_consistent(snap)
    assert set(snap["manifest"]) == set(docs) == {doc for _, doc in snap["claims"]}


def test_run_killed_after_removing_documents_retires_their_claims(tmp_path, corpus, reference):
    data = tmp_path / "data"
    assert run_index(data, corpus, tmp_path)[0] == 0
    gone = sorted(corpus.glob("*/report-00[0-2].md"))
    for f in gone:
        f.unlink()
    proc = spawn_index(data, corpus, tmp_path)
    wait_for_lines(proc, "] removed ", len(gone))  # passages deleted; detection not yet run
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)

    rc, out, err = run_index(data, corpus, tmp_path)
    assert rc == 0, err
    snap = snapshot(data)
    assert_consistent(snap)
    names = {f.relative_to(corpus).as_posix() for f in gone}
    assert set(snap["manifest"]) == set(reference["manifest"]) - names
    assert not names & {doc for _, doc in snap["claims"]}, "claims of removed documents survived"
    assert len(snap["ledger"]) < len(reference["ledger"])
