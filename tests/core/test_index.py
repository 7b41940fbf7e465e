"""Incremental indexing against a real embedded Chroma and the real embedder."""

from retrieval.index.search import passage_by_id
from tests.conftest import SEED_DOC


def test_first_run_indexes_seed_and_quotes_are_verbatim(service, corpus_dir):
    r = service.index()
    assert (r.documents, r.added, r.updated, r.removed, r.unchanged) == (1, 1, 0, 0, 0)
    assert r.passages > 20
    text = (corpus_dir / SEED_DOC).read_text(encoding="utf-8").split("---\n", 2)[2]
    passages = service.store.all_passages()
    assert len(passages) == r.passages
    for p in passages:
        assert text[p.start:p.end] == p.text
        assert p.doc == SEED_DOC and p.source == "news"
    assert {p.speaker for p in passages} >= {"news", "whitehouse", "kremlin", "zelenskyy"}


def test_unchanged_changed_deleted(service, corpus_dir):
    first = service.index()
    ids_before = {p.id for p in service.store.all_passages()}
    again = service.index()
    assert (again.unchanged, again.added, again.updated) == (1, 0, 0)
    assert {p.id for p in service.store.all_passages()} == ids_before  # stable ids

    extra = corpus_dir / "kremlin" / "readout.md"
    extra.parent.mkdir()
    extra.write_text("---\ntitle: Readout\n---\nPutin said the talks were frank.\n")
    r = service.index()
    assert (r.added, r.unchanged, r.documents) == (1, 1, 2)
    assert r.passages == first.passages + 1

    extra.write_text("---\ntitle: Readout\n---\nPutin said the talks were long.\n\nThe call lasted two hours.\n")
    r = service.index()
    assert (r.updated, r.unchanged) == (1, 1)
    texts = {p.text for p in service.store.all_passages() if p.doc == "kremlin/readout.md"}
    assert texts == {"Putin said the talks were long.", "The call lasted two hours."}

    extra.unlink()
    r = service.index()
    assert (r.removed, r.documents) == (1, 1)
    assert {p.id for p in service.store.all_passages()} == ids_before


def test_reopen_in_new_service_finds_collection(settings):
    from retrieval.service import Analyst

    a = Analyst(settings)
    a.index()
    n = a.store.count()
    a.close()
    b = Analyst(settings)  # new client on the same data dir: the registered embedding function reopens it
    assert b.store.count() == n
    assert b.search("prisoner exchange")[0].passage.speaker == "kremlin"


def test_bad_files_are_reported_and_good_ones_indexed(service, corpus_dir):
    (corpus_dir / "empty.md").write_text("")
    (corpus_dir / "blob.txt").write_bytes(b"\x00\x01\x02" * 100)
    r = service.index()
    assert r.documents == 1 and r.added == 1
    assert {s.path: s.reason.split(" ")[0] for s in r.skipped} == {"empty.md": "empty", "blob.txt": "binary"}


def test_single_file_path_keeps_other_documents(service, corpus_dir):
    service.index()
    extra = corpus_dir / "note.txt"
    extra.write_text("Witkoff said talks resume Sunday.")
    r = service.index([extra])
    assert r.added == 1 and r.removed == 0
    assert {p.doc for p in service.store.all_passages()} == {SEED_DOC, "note.txt"}
    assert passage_by_id(service.searcher, service.store.all_passages()[0].id) is not None
