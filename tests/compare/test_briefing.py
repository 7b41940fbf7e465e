"""`compare` as a briefing, on a corpus beyond the seed (three publishers): conditions one side states
stay its own, rows carry topics and dates, `since` filters by document date, the JSON contract."""
import pytest

from retrieval.errors import UsageError

SHARED = {"agree", "differ", "contradict"}


def _rows_with(res, phrase):
    return [r for r in res.rows if any(phrase in c.quote for c in (*r.a, *r.b))]


def test_conditions_stated_by_one_side_stay_only_that_side(avon):
    res = avon.compare("northland", "southland")
    # Southland mentions grain tariffs and the Millbrook crossing, but never addresses the demands.
    for phrase in ("lifts its tariffs on Northland grain", "withdraw its border police"):
        rows = _rows_with(res, phrase)
        assert rows and all(r.relation == "only_a" for r in rows), (phrase, [r.relation for r in rows])
    for phrase in ("grain tariffs pays for the irrigation", "patrol the river crossing"):
        rows = _rows_with(res, phrase)
        assert rows and all(r.relation == "only_b" for r in rows), (phrase, [r.relation for r in rows])
    # The point both make is one shared row, with both sides quoted.
    spill = [r for r in _rows_with(res, "keep the spillway of the Avon dam open") if r.relation in SHARED]
    assert spill and spill[0].a and spill[0].b


def test_rows_are_in_briefing_order_with_topics_and_dates(avon):
    res = avon.compare("Northland", "Southland")
    order = {"contradict": 0, "differ": 1, "only_a": 2, "only_b": 2, "agree": 3}
    assert [order[r.relation] for r in res.rows] == sorted(order[r.relation] for r in res.rows)
    assert 0 < res.first_page <= 12
    for r in res.rows:
        assert r.dates == sorted({c.date for c in (*r.a, *r.b)}) and all(len(d) == 10 for d in r.dates)
        same_topic = " ".join(c.quote for s in res.rows if s.topic_label == r.topic_label for c in (*s.a, *s.b))
        words = [w.strip() for w in r.topic_label.split(",")]
        assert words and all(w.lower() in same_topic.lower() for w in words), r.topic_label
        for c in (*r.a, *r.b):
            assert c.speaker in (res.a, res.b) and c.date


def test_since_filters_by_document_date(avon):
    everything = avon.compare("northland", "southland")
    assert any(d < "2024-06-01" for r in everything.rows for d in r.dates)
    later = avon.compare("northland", "southland", since="2024-06-01")
    quotes = [c for r in later.rows for c in (*r.a, *r.b)]
    assert quotes and all(c.date >= "2024-06-01" for c in quotes)
    assert any("stay closed" in c.quote for c in quotes)
    assert later.to_dict()["since"] == "2024-06-01"
    with pytest.raises(UsageError):
        avon.compare("northland", "southland", since="June")


def test_a_side_that_changed_position_is_flagged(avon):
    res = avon.compare("northland", "southland")
    changed = [r for r in res.rows if r.change]
    assert changed, [(r.relation, r.topic_label) for r in res.rows]
    row = changed[0]
    assert "Government of Northland" in row.change and "2024-05-02" in row.change and "2024-06-12" in row.change


def test_json_contract_keeps_every_row_in_briefing_order(avon):
    res = avon.compare("northland", "southland")
    d = res.to_dict()
    assert {"a", "b", "topic", "rows", "first_page"} <= set(d) and d["first_page"] == res.first_page
    assert len(d["rows"]) == len(res.rows)
    for row, r in zip(d["rows"], res.rows):
        assert {"relation", "summary", "a", "b", "topic_label", "dates"} <= set(row)
        assert row["relation"] == r.relation and row["dates"] == r.dates


def test_topic_labels_are_nouns_not_verbs_or_adverbs():
    from retrieval.compare.topics import label, nounish

    texts = ["Additionally, the ministry expressed support for the moratorium on fishing.",
             "The ministry additionally expressed doubts about the moratorium and the quotas.",
             "Five trawlers were seen in the bay, we're told, after the announcement of the quotas."]
    words = label(texts[:2], lambda s: 1.0, set(), nounish(texts)).split(", ")
    assert words[:2] == ["ministry", "moratorium"], words
    assert not {"expressed", "additionally", "fishing"} & set(words), words
    assert "we're" not in label(texts[2:], lambda s: 1.0, set(), nounish(texts))


def test_a_conflict_between_the_sides_is_a_contradict_row_and_comes_first(tmp_path):
    """Southland's copy of the shared sentence gives another outflow: the two quotes conflict, so the
    row is `contradict` (from the ledger's pair, recorded at index time) and leads the briefing."""
    from tests.compare.conftest import HERE
    from tests.conftest import indexed_service

    files = {p.name: p.read_text(encoding="utf-8") for p in (HERE / "corpus").iterdir()}
    name = "2024-05-03-southland-statement.md"
    files[name] = files[name].replace("held at 40 cubic metres", "held at 25 cubic metres")
    svc = indexed_service(tmp_path, files)
    try:
        res = svc.compare("northland", "southland")
        pairs = svc.contradictions("all")
    finally:
        svc.close()
    flow = [r for r in _rows_with(res, "cubic metres per second until September") if r.a and r.b]
    assert flow and flow[0].relation == "contradict", [(r.relation, r.topic_label) for r in res.rows]
    assert res.rows[0].relation == "contradict"
    assert any("25 cubic" in (p.a.quote + p.b.quote) and "40 cubic" in (p.a.quote + p.b.quote) for p in pairs)
