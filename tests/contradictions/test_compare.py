"""compare on the indexed seed (no LLM: templated summaries): rows as the eval file asks, all cited verbatim."""
import json
from pathlib import Path

from retrieval.corpus.loader import load_document

EVAL = json.loads((Path(__file__).resolve().parents[2] / "bench" / "seed-eval.json").read_text())["compare"]


def _text(rows, relations, side):
    return " ".join(c.quote for r in rows if r.relation in relations for c in getattr(r, side)).lower()


def test_compare_kremlin_whitehouse_on_seed(indexed):
    res = indexed.compare(EVAL["a"], EVAL["b"])
    assert res.a == "kremlin" and res.b == "whitehouse" and res.topic is None
    shared = {"agree", "differ", "contradict"}
    for word in EVAL["shared_any"]:
        assert word.lower() in _text(res.rows, shared, "a") + _text(res.rows, shared, "b"), word
    for word in EVAL["only_a_any"]:
        assert word.lower() in _text(res.rows, {"only_a"}, "a"), word
    for word in EVAL["only_b_any"]:
        assert word.lower() in _text(res.rows, {"only_b"}, "b"), word
    corpus = indexed.settings.corpus_dir
    for row in res.rows:
        assert row.summary and (row.a or row.b)
        assert bool(row.a) == (row.relation != "only_b") and bool(row.b) == (row.relation != "only_a")
        for cit in (*row.a, *row.b):
            doc = load_document(corpus / cit.doc, corpus, indexed.registry, max_bytes=10**7)
            assert doc.text[cit.start:cit.end] == cit.quote
    d = res.to_dict()
    assert {"a", "b", "topic", "rows", "first_page"} <= set(d)
    assert all("n" not in c for r in d["rows"] for c in r["a"] + r["b"])
    assert 0 < d["first_page"] <= 12 and d["first_page"] <= len(d["rows"])
    order = {"contradict": 0, "differ": 1, "only_a": 2, "only_b": 2, "agree": 3}
    ranks = [order[r["relation"]] for r in d["rows"]]
    assert ranks == sorted(ranks), "briefing order: contradictions, differences, one side, agreement"
    for r in d["rows"]:  # labels come from the quotes of the topic's rows, nothing invented
        assert r["topic_label"] and r["dates"] == sorted({c["date"] for c in r["a"] + r["b"] if c["date"]})
        quotes = " ".join(c["quote"] for s in d["rows"] if s["topic_label"] == r["topic_label"]
                          for c in s["a"] + s["b"]).lower()
        assert all(w.strip().lower() in quotes for w in r["topic_label"].split(",")), r["topic_label"]


def test_compare_with_topic_keeps_to_the_topic(indexed):
    res = indexed.compare("Putin", "White House", topic="prisoner exchange")
    quotes = _text(res.rows, {"agree", "differ", "contradict", "only_a", "only_b"}, "a")
    assert "prisoner" in quotes
    assert "bilateral" not in quotes and "blood and treasure" not in _text(res.rows, {"only_b"}, "b")
    energy = indexed.compare("kremlin", "whitehouse", topic="energy")
    shared = [r for r in energy.rows if r.relation in ("agree", "differ", "contradict")]
    assert shared and all("energy" in " ".join(c.quote for c in r.a + r.b).lower() for r in shared)


def test_a_source_with_no_statement_is_named_as_silent(indexed):
    """The registry knows the State Department, but the seed holds nothing it says: the briefing says so
    (in JSON, the console and Discord's text) instead of looking like a one-sided comparison."""
    from bot.discord.render_compare import compare_fallback
    from bot.render import render_compare

    res = indexed.compare("kremlin", "state-dept")
    assert res.silent == ["state-dept"] and res.rows
    assert all(r.relation == "only_a" for r in res.rows)
    assert res.to_dict()["silent"] == ["state-dept"]
    assert "state-dept: no indexed statement" in render_compare(res)
    assert "US Department of State: no indexed statement" in compare_fallback(res, indexed.source_names())
    assert indexed.compare("kremlin", "whitehouse").silent == []
