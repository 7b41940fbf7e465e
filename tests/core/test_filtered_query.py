"""A filtered dense query over-fetches nearest passages and filters them itself (Chroma's own filtered
query evaluates the filter over the whole collection). It must return what Chroma's filtered query
returns, fall back to it when too few fetched passages pass, and read the filter's share of the store
from the keyword index. Real Chroma, the real embedder, the seed corpus."""
from __future__ import annotations

import pytest

from retrieval.index.search import where_clause
from retrieval.index.store import passes

FILTERS = [((), ["kremlin"], ()), ((), ["news"], ()), ((), ["kremlin", "whitehouse"], ()),
           ((), (), ["whitehouse"]), (["news"], ["zelenskyy"], ())]
QUESTIONS = ["What did Russia agree about energy infrastructure?", "prisoner exchange numbers",
             "What did Zelenskyy say about the call?"]


@pytest.mark.parametrize("sources,speakers,parties", FILTERS)
def test_over_fetched_query_returns_what_the_filtered_query_returns(indexed, sources, speakers, parties):
    store = indexed.store
    where = where_clause(sources, speakers, parties)
    share = store.keywords.share(sources, speakers, parties)
    assert share is not None and 0 < share < 1
    for q in QUESTIONS:
        vec = indexed.embedder.embed([q])[0]
        mine = store.query(vec, 5, where, share)
        chroma = store.query(vec, 5, where, None)  # no share: Chroma's filtered query
        assert [p.id for p, _ in mine] == [p.id for p, _ in chroma]
        assert [round(s, 4) for _, s in mine] == [round(s, 4) for _, s in chroma]
        assert all(passes(p.metadata(), where) for p, _ in mine)


def test_too_few_passing_falls_back_to_the_filtered_query(indexed, monkeypatch):
    store = indexed.store
    where = where_clause((), ["zelenskyy"], ())
    vec = indexed.embedder.embed(["What did Zelenskyy say?"])[0]
    expected = [p.id for p, _ in store.query(vec, 5, where, None)]
    asked = []
    real = store.collection.query

    def spy(**kw):
        asked.append(kw)
        return real(**kw)

    monkeypatch.setattr(store.collection, "query", spy)
    # a share claimed far too high: the over-fetch is too small for five Zelenskyy passages
    got = [p.id for p, _ in store.query(vec, 5, where, 0.99)]
    assert got == expected
    assert [bool(kw.get("where")) for kw in asked] == [False, True]  # over-fetch, then Chroma's filter


def test_share_is_the_filters_share_of_passages(indexed):
    store = indexed.store
    passages = store.all_passages()
    for sources, speakers, parties in FILTERS:
        where = where_clause(sources, speakers, parties)
        expected = sum(passes(p.metadata(), where) for p in passages) / len(passages)
        assert store.keywords.share(sources, speakers, parties) == pytest.approx(expected)
    assert store.keywords.share() == 1.0


def test_passes_reads_the_filters_analyst_writes():
    meta = {"source": "news", "speaker": "kremlin"}
    assert passes(meta, where_clause(["news"], ["kremlin"], ()))
    assert not passes(meta, where_clause(["news"], ["whitehouse"], ()))
    assert passes(meta, where_clause((), (), ["kremlin"]))
    assert not passes(meta, where_clause((), (), ["whitehouse"]))
    assert passes(meta, {"source": "news"}) and not passes(meta, {"source": "kremlin"})
    with pytest.raises(ValueError):
        passes(meta, {"speaker": {"$nin": ["x"]}})
