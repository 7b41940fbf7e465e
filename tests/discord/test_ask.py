"""/ask, /sources, /compare and autocomplete through simcord against the real service."""
from __future__ import annotations

import dataclasses


from retrieval.models import Claim
from tests.discord.conftest import claims_from_passages, embed_limits_ok, public_messages

QUESTION = "What did Putin agree to about energy infrastructure?"


def _callback_types(env) -> list[tuple[int, int]]:
    """(interaction callback type, flags) of every interaction response the bot sent."""
    out = []
    for r in env.http_requests:
        if r.method == "POST" and r.path.startswith("/interactions/") and r.path.endswith("/callback"):
            body = r.json or {}
            out.append((body.get("type"), (body.get("data") or {}).get("flags", 0) or 0))
    return out


async def test_ask_is_deferred_and_answers_with_a_cited_embed(world):
    result = await world.alice.slash(world.channel, "ask", question=QUESTION)

    assert _callback_types(world.env)[0][0] == 5  # deferred ("thinking…") before any work
    assert result.response is None  # the private placeholder is gone...
    [msg] = result.followups  # ...and the answer is public
    assert not msg.ephemeral
    [embed] = msg.embeds
    assert embed.title.startswith("Q: What did Putin agree to")
    # Extractive (no model here): each quote once, in the text, followed by `[n] Speaker — Title · date`;
    # no second copy of the quotes in fields.
    assert not embed.fields
    quote_line, cite_line = embed.description.split("\n")[:2]
    assert cite_line.startswith("[1] ") and " — Russia bombed Ukraine energy infrastructure" in cite_line
    assert quote_line.startswith("> ") and "2025-03-19" in cite_line
    # The quote is a verbatim span of the indexed document.
    doc = (world.bot.settings.corpus_dir / "trump-putin-call-2025-03-18.md").read_text(encoding="utf-8")
    quote = quote_line[2:].replace("\\", "").replace("\u200b", "").rstrip("…")
    assert quote[:80] in doc
    embed_limits_ok(msg.message)
    assert public_messages(world.channel)[-1].id == msg.id


async def test_an_answer_quoting_a_disputed_statement_says_so(world):
    """A statement the answer quotes is one side of a dispute (recorded in the real ledger as the judge
    would, score 0.9: one pair, `possible`, the fitted single-pair confidence): the answer names the dispute and quotes
    the other side, verbatim."""
    service = world.bot.service
    cited = service.ask(QUESTION).citations
    quoted = cited[0]
    other = next(c for pair in claims_from_passages(service, 6) for c in pair if c.speaker != quoted.speaker
                 and not any(c.doc == x.doc and c.start < x.end and x.start < c.end for x in cited))
    service.ledger.record(Claim.from_citation(quoted, id="q0"), other, 0.9, "They give different accounts.")
    [dispute] = service.disputes("possible")

    result = await world.alice.slash(world.channel, "ask", question=QUESTION)
    [embed] = result.followups[0].embeds
    note = embed.description.split("\n")[-1]
    assert note.startswith("*Contested [1]") and f"dispute {dispute.id}, possible, confidence {dispute.confidence:.2f}" in note
    assert other.text[:40].replace("*", "\\*") in note.replace("\u200b", "")
    embed_limits_ok(result.followups[0].message)


async def test_ask_with_unknown_source_is_a_short_ephemeral_error(world):
    result = await world.alice.slash(world.channel, "ask", question=QUESTION, source="nobody")

    assert result.ephemeral and result.response is not None
    assert "Unknown source 'nobody'" in result.response.content
    assert len(result.response.content) < 400
    assert not result.followups and not public_messages(world.channel)
    [err] = world.env.errors  # went through the global tree.on_error (and acknowledged here)
    assert type(err).__name__ in ("UnknownSourceError", "CommandInvokeError")


async def test_unexpected_error_is_generic_and_ephemeral_with_details_in_log(world, caplog, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("secret internal detail /srv/x")

    # Fault injection: the service call itself fails (no real part fails on demand).
    monkeypatch.setattr(world.bot.service, "sources", boom)
    result = await world.alice.slash(world.channel, "sources")

    text = result.response.content
    assert result.ephemeral and "Something went wrong" in text and "error id" in text
    assert "secret internal detail" not in text
    assert "secret internal detail" in caplog.text
    assert not public_messages(world.channel)
    assert len(world.env.errors) == 1


async def test_long_answer_is_split_under_discord_limits(world, monkeypatch):
    real_ask = world.bot.service.ask

    def long_ask(question, sources=(), history=(), on_token=None):
        # The real answer, stretched: neither extractive answers nor the local model (350 tokens)
        # produce > 4096 characters or > 25 citations, so the length is padded here.
        ans = real_ask(question, sources, history, on_token)
        cites = [dataclasses.replace(ans.citations[i % len(ans.citations)], n=i + 1) for i in range(30)]
        text = "\n\n".join(f"Point {i}: " + ans.answer.replace("\n", " ") for i in range(20))
        return dataclasses.replace(ans, answer=text, citations=cites, mode="llm")  # as a model's answer

    monkeypatch.setattr(world.bot.service, "ask", long_ask)
    result = await world.alice.slash(world.channel, "ask", question=QUESTION)

    msgs = result.followups
    embeds = [e for m in msgs for e in m.embeds]
    assert len(embeds) >= 3  # description split over several embeds, fields over more
    for m in msgs:
        embed_limits_ok(m.message)
    text = "".join(e.description or "" for e in embeds)
    assert text.count("Point ") == 20 and "Point 19:" in text  # nothing lost
    assert sum(len(e.fields) for e in embeds) == 30
    assert [f.name.split()[0] for e in embeds for f in e.fields][-1] == "[30]"


async def test_sources_lists_registry_with_counts(world):
    result = await world.alice.slash(world.channel, "sources")
    [msg] = result.followups
    names = [f.name for f in msg.embeds[0].fields]
    assert "The Kremlin (kremlin)" in names
    kremlin = next(f.value for f in msg.embeds[0].fields if f.name.startswith("The Kremlin"))
    assert "1 document(s)" in kremlin and "passage(s)" in kremlin


async def test_source_autocomplete_comes_from_the_registry(world):
    choices = await world.alice.autocomplete(world.channel, "ask", "source", "put")
    assert [c["value"] for c in choices] == ["kremlin"]
    choices = await world.alice.autocomplete(world.channel, "compare", "b", "")
    assert {c["value"] for c in choices} >= {"kremlin", "whitehouse", "zelenskyy", "news"}


async def test_compare_is_one_embed_per_page_with_a_text_fallback(world):
    result = await world.alice.slash(world.channel, "compare", a="Kremlin", b="White House",
                                     topic="ceasefire")
    msgs = result.followups
    assert len(msgs) == 1 and not msgs[0].ephemeral
    msg = msgs[0].message
    embed_limits_ok(msg)
    assert len(msg.embeds) == 1 and "The Kremlin vs The White House on ceasefire" in msg.embeds[0].title
    assert "points" in msg.content and len(msg.content) <= 600
    names = [f.name.split(" · ")[0] for f in msg.embeds[0].fields]
    assert names and all(n.split(". ", 1)[1] in {"Contradict", "Differ", "Agree", "Only The Kremlin",
                                                 "Only The White House"} for n in names)
    assert any("> " in f.value or "**" in f.value for f in msg.embeds[0].fields)
