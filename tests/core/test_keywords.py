"""The persisted keyword index (SQLite FTS5) is kept in step by the store: after documents are added,
changed and removed, it returns exactly what an index built from scratch over the same passages
returns, and a new process neither loads passages nor rebuilds it."""
from __future__ import annotations

from retrieval.index.keywords import KeywordIndex
from retrieval.service import Analyst

QUERIES = [("energy infrastructure ceasefire", {}), ("prisoners exchange", {"speakers": ["kremlin"]}),
           ("Trump Putin call", {"sources": ["news"]}), ("ships Black Sea", {"parties": ["whitehouse"]}),
           ("30-day pause attacks", {"speakers": ["kremlin", "whitehouse"]})]


def _rebuilt(service, path) -> KeywordIndex:
    fresh = KeywordIndex(path)
    fresh.upsert(service.store.all_passages())
    return fresh


def _results(index: KeywordIndex) -> list:
    return [index.search(q, 20, **kw) for q, kw in QUERIES]


def test_incremental_index_equals_a_full_rebuild(indexed, corpus_dir, tmp_path):
    doc = next(p for p in sorted(corpus_dir.rglob("*.md")))
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("energy", "power grid", 3) + "\n\nA new closing paragraph about ships.\n",
                   encoding="utf-8")
    copy = corpus_dir / "copy-of-seed.md"
    copy.write_text(text, encoding="utf-8")
    indexed.index()  # one changed, one added
    copy.unlink()
    indexed.index()  # one removed

    incremental = indexed.store.keywords
    assert incremental.count() == indexed.store.count()
    got = _results(incremental)
    assert any(got), "the queries find something"
    assert got == _results(_rebuilt(indexed, tmp_path / "fresh.sqlite3"))


def test_search_uses_the_persisted_index_without_loading_passages(indexed, settings, monkeypatch):
    expected = indexed.search("energy infrastructure", speakers=["kremlin"])
    other = Analyst(settings)  # another process's view of the same data dir
    try:
        monkeypatch.setattr(other.store, "iter_passages", lambda *a, **k: (_ for _ in ()).throw(
            AssertionError("passages loaded")))
        got = other.search("energy infrastructure", speakers=["kremlin"])
        assert [h.passage.id for h in got] == [h.passage.id for h in expected]
        assert "energi" in other.searcher.known_terms() or "energy" in other.searcher.known_terms()
        assert "zzzqx" not in other.searcher.known_terms()
    finally:
        other.close()


def test_a_store_without_a_keyword_index_is_filled_once(indexed, settings):
    path = indexed.store.keywords.path
    indexed.store.keywords.close()
    path.unlink()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    other = Analyst(settings)
    try:
        assert other.store.keywords.count() == other.store.count() > 0
        assert other.search("energy infrastructure", speakers=["kremlin"])
    finally:
        other.close()
