"""Pure parts: the splitter, text safety, embed packing under Discord's limits, the command schema."""
from __future__ import annotations

import random

import pytest

from bot.commands import MAX_QUESTION
from bot.discord.app import command_schema
from bot.discord.render import fit, group, pack, render_answer, safe
from bot.discord.render_compare import compare_page_embed
from bot.discord.render_disputes import render_contradictions
from bot.discord.split import split_text
from retrieval.compare.models import CompareResult, CompareRow
from retrieval.models import Answer, Citation, Contradiction


def test_split_prefers_paragraphs_then_lines_then_sentences_then_hard_cut():
    para = "A" * 50 + "\n\n" + "B" * 50
    assert split_text(para, 60) == ["A" * 50 + "\n\n", "B" * 50]
    lines = "A" * 50 + "\n" + "B" * 50
    assert split_text(lines, 60) == ["A" * 50 + "\n", "B" * 50]
    sentences = "First sentence is here. Second one follows it. Third."
    assert split_text(sentences, 30) == ["First sentence is here. ", "Second one follows it. Third."]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("", 10) == [""]


@pytest.mark.parametrize("seed", range(20))
def test_split_never_loses_text_and_respects_the_limit(seed):
    rnd = random.Random(seed)
    alphabet = ["word ", "Sentence. ", "\n", "\n\n", "x" * 30, "ü", "? "]
    text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 600)))
    limit = rnd.randint(1, 120)
    pieces = split_text(text, limit)
    assert "".join(pieces) == text
    assert all(len(p) <= limit for p in pieces)


def test_safe_text_cannot_ping_link_or_format():
    evil = "@everyone @here <@123> <@&456> <#789> </ingest:1> [click](https://evil) **b** `c` # h\n> q"
    out = safe(evil)
    for bad in ("@everyone", "@here", "<@", "<#", "</", "](", "**", "\n>"):
        assert bad not in out, bad
    assert out.replace("\u200b", "").replace("\\", "") == evil
    assert len(fit("a" * 5000, 100)) <= 100 and fit("a" * 5000, 100).endswith("…")


def _cite(n, quote="q" * 900):
    return Citation(n=n, source="news", speaker="kremlin", doc="d.md", title="T" * 300, quote=quote,
                    start=0, end=len(quote), date="2025-03-19")


def test_huge_answer_is_packed_under_every_limit_without_losing_text():
    text = "\n\n".join(f"Paragraph {i}. " + "word " * 300 for i in range(12))
    msgs = render_answer("Q" * 400, Answer(text, True, "llm", [_cite(i) for i in range(1, 41)]), {})
    embeds = [e for m in msgs for e in m.embeds]
    for m in msgs:
        assert len(m.embeds) <= 10 and sum(len(e) for e in m.embeds) <= 6000
        for e in m.embeds:
            assert len(e.title or "") <= 256 and len(e.description or "") <= 4096 and len(e.fields) <= 25
            assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in e.fields)
    desc = "".join(e.description or "" for e in embeds)
    assert all(f"Paragraph {i}." in desc for i in range(12))
    assert sum(len(e.fields) for e in embeds) == 40


def test_contradictions_are_grouped_by_message_with_their_ids():
    items = [Contradiction(f"id{i}", 0.9, "E" * 3000, "new", "2025-03-20", _cite(1), _cite(2)) for i in range(7)]
    msgs = render_contradictions(items, {}, "Digest")
    assert [i for m in msgs for i in m.ids] == [f"id{i}" for i in range(7)]
    assert all(sum(len(e) for e in m.embeds) <= 6000 and len(m.embeds) <= 10 for m in msgs)
    assert msgs[0].content == "Digest"


def test_group_respects_ten_embeds_per_message():
    embeds = pack("t", "", [("n", "v")] * 300)
    msgs = group(embeds)
    assert sum(len(m.embeds) for m in msgs) == len(embeds) and all(len(m.embeds) <= 10 for m in msgs)


def test_command_schema_matches_what_the_bot_registers(world):
    """`analyst commands --json` prints exactly the payload synced to Discord."""
    schema = command_schema(world.bot.service)
    [put] = [r for r in world.env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert put.json == schema
    by_name = {c["name"]: c for c in schema}
    assert set(by_name) == {"ask", "compare", "contradictions", "disputes", "sources", "digest", "ingest", "dismiss",
                            "sync", "help", "sources-add", "feeds", "fetch"}
    # polling feeds writes to the corpus: registered like the other admin commands (the run-time admin
    # check is tested in tests/feeds/test_discord_feeds.py)
    assert by_name["fetch"].get("default_member_permissions") == by_name["sources-add"].get("default_member_permissions")
    assert all(c["description"] for c in schema)
    assert all(o["description"] for c in schema for o in c.get("options", []))
    ask = {o["name"]: o for o in by_name["ask"]["options"]}
    assert ask["question"]["required"] and ask["question"]["type"] == 3
    assert ask["source"]["autocomplete"] and not ask["source"]["required"]
    assert {o["name"]: o["type"] for o in by_name["ingest"]["options"]}["file"] == 11
    assert [c["value"] for c in by_name["contradictions"]["options"][0]["choices"]] == \
        ["new", "posted", "dismissed", "retired", "all"]
    assert [c["value"] for c in by_name["disputes"]["options"][0]["choices"]] == \
        ["new", "posted", "dismissed", "possible", "all"]
    assert {o["name"]: o["type"] for o in by_name["digest"]["options"]} == {"post": 5}  # a boolean option
    assert ask["question"]["max_length"] == MAX_QUESTION  # one question length for every route
    assert all(c["dm_permission"] is False for c in schema)


def test_model_answer_links_citations_and_names_each_document_once():
    def cite(n, doc, url=None):
        return Citation(n=n, source="news", speaker="kremlin", doc=doc, title=f"Title of {doc}", quote=f"quote {n}",
                        start=0, end=7, date="2025-03-19", url=url)

    cites = [cite(1, "a.md", "https://example.org/a"), cite(2, "a.md", "https://example.org/a"), cite(3, "b.md"),
             cite(4, "c.md", "javascript:alert(1)")]
    [msg] = render_answer("Q?", Answer("One [1]. Two [2]. Three [3]. Four [4].", True, "llm", cites),
                          {"kremlin": "The Kremlin"})
    fields = msg.embeds[0].fields
    assert [f.name for f in fields] == ["[1] The Kremlin — Title of a.md", "[2] The Kremlin",
                                        "[3] The Kremlin — Title of b.md", "[4] The Kremlin — Title of c.md"]
    assert "[source](<https://example.org/a>)" in fields[0].value and "[source](" in fields[1].value
    assert "[source]" not in fields[2].value  # no url, no link
    assert "javascript" not in fields[3].value  # only http(s) links
    assert msg.embeds[0].description.count("*") == 0  # a model answer with no note carries no notes


def test_dispute_embeds_stay_within_limits_and_carry_their_marker():
    from bot.discord.render_disputes import digest_item, dispute_embed, marker_id, render_disputes
    from retrieval.models import Dispute, DisputePoint, DisputeSide

    sides = [DisputeSide(f"speaker-{k}", 1 + k % 2, [_cite(n) for n in range(5)]) for k in range(12)]
    points = [DisputePoint(f"p{i}", 0.9, _cite(1, "a" * 900), _cite(2, "b" * 900)) for i in range(3)]
    big = Dispute("d-0123abcd", "H" * 400 + "?", "contradiction", 0.91, "new", "2025-03-20T00:00:00Z",
                  "2025-03-21T00:00:00Z", sides, [f"p{i}" for i in range(40)], new_evidence=True, points=points)
    e = dispute_embed(big, {"kremlin": "K" * 300}, digest=True)
    assert len(e) <= 6000 and len(e.fields) <= 25 and len(e.title) <= 256
    assert [f.name.startswith("Point ") for f in e.fields[:4]] == [True, True, True, False]  # key pairs first
    assert "*against*" in e.fields[0].value and "a" * 150 in e.fields[0].value and "b" * 150 in e.fields[0].value
    # long display names used to push one dispute past 6000 characters and crash the digest post
    long_names = {**{f"speaker-{k}": "N" * 300 for k in range(12)}, "kremlin": "K" * 300}
    for pts in (points, []):
        e = dispute_embed(Dispute(**{**big.__dict__, "points": pts}), long_names, digest=True, note="n" * 300)
        assert len(e) <= 6000 and e.fields[-1].value.endswith("more speaker(s); see `disputes` in the CLI.")
    assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in e.fields)
    assert marker_id(e.footer.text) == "d-0123abcd" and marker_id("dispute d-0123abcd") is None
    item = digest_item(big, {}, "Heading")
    assert item.ids == ["d-0123abcd"] and item.content == "Heading" and len(item.embeds) == 1
    msgs = render_disputes([big] * 7, {}, "Disputes")
    assert all(sum(len(x) for x in m.embeds) <= 6000 and len(m.embeds) <= 10 for m in msgs)
    assert [i for m in msgs for i in m.ids] == ["d-0123abcd"] * 7
    dismissed = dispute_embed(Dispute(**{**big.__dict__, "status": "dismissed"}), {}, digest=True)
    assert dismissed.title.startswith("Dismissed: ")


def _long_rows(n_dates: int, label: str, count: int = 20):
    q = ("The Government of Northland said that the arrangement on the spillway of the Avon dam will take "
         "effect only after Southland lifts its tariffs on Northland grain and withdraws its border police "
         "from Millbrook, and that engineers from both countries will staff the monitoring station below it.")
    dates = [f"2024-0{m}-1{m}" for m in range(1, n_dates + 1)]
    cites = [Citation(i, "northland", "Northland", "d.md", "t", q, 0, len(q), date=d) for i, d in enumerate(dates)]
    return [CompareRow("only_a", "Only Northland says this: " + q[:110], cites, [], topic_label=label)
            for _ in range(count)]


@pytest.mark.parametrize("topic,n_dates", [(None, 6), ("energy strikes moratorium", 4), ("x" * 200, 3)])
def test_a_compare_page_is_one_embed_within_limits_whatever_its_topic_and_dates(topic, n_dates):
    """A long topic, a long speaker name and rows with many dates used to overflow 6000 characters and
    crash the page (`[embed] = pack(...)` got two embeds back)."""
    result = CompareResult("northland", "southland", topic, _long_rows(n_dates, "spillway, tariffs, police"),
                           first_page=12, since="2024-01-01")
    names = {"northland": "Office of the President of the Republic of Northland", "southland": "Southland"}
    for page in range(2):
        embed = compare_page_embed(result, names, page)
        assert len(embed) <= 6000 and len(embed.fields) == (12 if page == 0 else 8)
        assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in embed.fields)
        assert all("Northland" in f.value for f in embed.fields)  # every row still shows its quote


def test_an_answer_names_the_disputes_its_quotes_are_part_of_inertly():
    """A contested quote is flagged under the answer; the headline (model-written) cannot ping."""
    from retrieval.models import Contested

    against = Citation(n=0, source="news", speaker="council", doc="d.md", title="T", quote="They stayed shut.",
                       start=0, end=17)
    flagged = Contested("d-1a2b", "Did @everyone leave the **harbour**?", 0.5, "possible", [1, 2], [against])
    [msg] = render_answer("Q?", Answer("One [1]. Two [2].", True, "llm", [_cite(1), _cite(2)],
                                       contested=[flagged]), {})
    desc = msg.embeds[0].description
    assert "Contested [1] [2]:" in desc and "dispute d-1a2b, possible, confidence 0.50" in desc
    assert "@everyone" not in desc and "**harbour**" not in desc
    assert "— council: “They stayed shut.”" in desc
