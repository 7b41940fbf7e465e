"""The persisted keyword index (SQLite FTS5) is kept in step by the store: after documents are added,
changed and removed, it returns exactly what an index built from scratch over the same passages
returns, and a new process neither loads passages nor rebuilds it."""
from __future__ import annotations

from retrieval.index.keywords import KeywordIndex
from retrieval.models import Passage
from retrieval.service import Analyst
from retrieval.text import stem

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


def _passage(i: int, text: str, speaker: str = "kremlin") -> Passage:
    return Passage(id=f"p{i:04d}", doc=f"synthetic/{i}.md", source="news", speaker=speaker, title="t",
                   start=0, end=len(text), text=text)


def _common_and_rare(path, **kw) -> KeywordIndex:
    """400 passages: 'minister' in all, 'energy' in a third (some saying it many times), 'zeppelin' in one."""
    index = KeywordIndex(path, **kw)
    texts = []
    for i in range(400):
        words = ["minister", "spoke"] + ["energy", "energy", "energy"] * (i % 3 == 0) + [f"filler{i % 17}"] * (1 + i % 4)
        texts.append(" ".join(words))
    texts[123] = "the minister mentioned a zeppelin once, among other things at length"
    index.upsert([_passage(i, t, speaker="kremlin" if i % 2 else "news") for i, t in enumerate(texts)])
    return index


def test_a_rare_word_beats_a_common_one(tmp_path):
    """Mixed with a word in every passage and one in a third of them, the rare word's passage comes first,
    whether the commoner terms are searched (a big budget) or left out (a small one)."""
    big = _common_and_rare(tmp_path / "big.sqlite3")
    assert big.query_terms("Minister energy zeppelin") == ["zeppelin", stem("energy")]  # 'minister': in every passage
    small = _common_and_rare(tmp_path / "small.sqlite3", postings_budget=50)
    assert small.query_terms("Minister energy zeppelin") == ["zeppelin"]
    for index in (big, small):
        for filters in ({}, {"speakers": ["kremlin"]}):
            hits = index.search("Minister energy zeppelin", 20, **filters)
            assert hits and hits[0][0] == "p0123", (index.path.name, filters, hits[:3])
    assert len(big.search("Minister energy zeppelin", 20)) == 20  # the energy passages follow


def test_a_query_of_common_words_still_finds_passages(tmp_path):
    index = _common_and_rare(tmp_path / "kw.sqlite3", postings_budget=10)
    assert index.query_terms("minister") == [stem("minister")]  # the only term is kept, however common
    assert index.query_terms("minister energy") == [stem("energy")]  # the rarest is kept past the budget
    assert len(index.search("minister", 20)) == 20
    hits = index.search("minister energy", 20, speakers=["news"])
    assert len(hits) == 20 and all(int(pid[1:]) % 3 == 0 for pid, _ in hits)


def test_cached_frequencies_follow_writes_from_another_process(tmp_path):
    reader = _common_and_rare(tmp_path / "kw.sqlite3")
    assert reader.doc_freq("zeppelin") == 1 and reader.count() == 400
    writer = KeywordIndex(tmp_path / "kw.sqlite3")  # another connection, as another process has
    writer.upsert([_passage(500, "a second zeppelin"), _passage(501, "and a third zeppelin")])
    assert reader.doc_freq("zeppelin") == 3 and reader.count() == 402
    assert {pid for pid, _ in reader.search("zeppelin", 5)} == {"p0123", "p0500", "p0501"}
    writer.delete(["p0500"])
    assert reader.doc_freq("zeppelin") == 2
    writer.close()
