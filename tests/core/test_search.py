"""Hybrid retrieval on the seed: dense + keyword, filters with aliases, de-duplication."""
import pytest

from retrieval.errors import UnknownSourceError
from retrieval.index.search import dedupe
from retrieval.text import tokenize


def test_keyword_and_dense_both_find_answers(indexed):
    hits = indexed.search("How many injured Ukrainian servicemen will be handed over?")
    assert "23 injured Ukrainian servicemen" in hits[0].passage.text
    assert hits[0].dense is not None and hits[0].keyword is not None


def test_speaker_filter_with_aliases(indexed):
    for alias in ["kremlin", "Putin", "the Russian president", "MOSCOW"]:
        hits = indexed.search("energy infrastructure", speakers=[alias])
        assert hits and {h.passage.speaker for h in hits} == {"kremlin"}
    hits = indexed.search("energy infrastructure", speakers=["White House"])
    assert {h.passage.speaker for h in hits} == {"whitehouse"}


def test_source_filter(indexed):
    assert {h.passage.source for h in indexed.search("ceasefire", sources=["news"])} == {"news"}
    assert indexed.search("ceasefire", sources=["kremlin"]) == []  # no document published by the Kremlin


def test_unknown_source_is_a_clear_error(indexed):
    with pytest.raises(UnknownSourceError, match="Unknown source 'elysee'. Known sources: .*kremlin"):
        indexed.search("x", speakers=["elysee"])


def test_duplicates_removed(indexed, corpus_dir):
    seed = (corpus_dir / "trump-putin-call-2025-03-18.md").read_text()
    (corpus_dir / "copy.md").write_text(seed)  # the same article syndicated twice
    indexed.index()
    hits = indexed.search("prisoner exchange 175 Russians", k=5)
    texts = [h.passage.text for h in hits]
    assert len(texts) == len(set(texts))
    assert any("175 Russians" in t for t in texts)


def test_dedupe_drops_overlapping_spans(indexed):
    hits = indexed.search("Black Sea ceasefire negotiations", k=10)
    spans = [(h.passage.doc, h.passage.start, h.passage.end) for h in dedupe(hits)]
    for i, (d1, s1, e1) in enumerate(spans):
        for d2, s2, e2 in spans[i + 1:]:
            assert not (d1 == d2 and s1 < e2 and s2 < e1)


def test_tokenize():
    assert tokenize("The statements about 23 prisoners, a war") == ["statement", "23", "prison", "war"]


def test_list_lead_in_brings_its_items(indexed):
    hits = indexed.search("What bargaining chips has Trump already given away?", k=3)
    texts = [h.passage.text for h in hits]
    lead = next(i for i, t in enumerate(texts) if t.endswith("These include:"))
    assert texts[lead + 1] == "holding talks with Russia without Ukraine present"
    assert texts[lead + 2].startswith("ruling out security guarantees")
    assert len(hits) <= 3 + 4
