"""Issue 13 on Discord, through simcord: citations link to their documents, extractive answers are
shown once, 👍/👎 feedback survives a restart, /help reads well, errors are worded for Discord."""
from __future__ import annotations

from bot.commands import commands_for
from bot.discord.app import AnalystBot
from retrieval.service import Analyst
from tests.discord.conftest import embed_limits_ok

URL = "https://press.example.org/2025/03/20/black-sea-grain"
DOC = f"""---
source: kremlin
title: Statement on Black Sea grain shipments
date: 2025-03-20
url: {URL}
---
The Kremlin said grain shipments through the Black Sea corridor would resume once Rosselkhozbank was reconnected to SWIFT.
"""
QUESTION = "What did the Kremlin say about grain shipments through the Black Sea corridor?"


def _buttons(message) -> list[str]:
    return [c.custom_id for row in message.components for c in row.children]


async def test_citation_links_to_its_document_and_the_quote_is_shown_once(world):
    world.bot.service.ingest("grain.md", DOC.encode(), "kremlin")
    result = await world.alice.slash(world.channel, "ask", question=QUESTION)
    [msg] = result.followups
    embed_limits_ok(msg.message)
    [embed] = msg.embeds
    text = embed.description + "".join(f.name + f.value for f in embed.fields)
    assert f"[source](<{URL}>)" in text  # a working markdown link to the document
    assert "\\[" not in text and "\\(" not in text  # the link itself is not escaped
    quote = "grain shipments through the Black Sea corridor would resume"
    assert text.count(quote) == 1  # extractive: each quote once, no second copy in a field
    assert text.count("Statement on Black Sea grain shipments") == 1
    assert text.lower().count("no model") <= 1


async def test_feedback_buttons_work_after_a_restart_and_keep_the_reason(world, discord_settings):
    result = await world.alice.slash(world.channel, "ask", question="What did Putin agree to about energy?")
    [msg] = result.followups
    up, down = _buttons(msg.message)
    assert up.startswith("analyst:fb:up:") and down.startswith("analyst:fb:down:")
    rid = up.rsplit(":", 1)[1]

    # A restart: a fresh service and bot on the same data directory.
    world.bot.service.close()
    service2 = Analyst(discord_settings)
    await world.env.restart_bot(AnalystBot(service2, discord_settings))

    thanks = await world.alice.click(msg.message, custom_id=up)
    assert thanks.ephemeral and "👍" in thanks.response.content
    shown = await world.admin.click(msg.message, custom_id=down)
    assert shown.modal is not None
    await world.admin.submit_modal(shown, {"reason": "cites the wrong   passage"})

    rows = {r["user"]: r for r in service2.feedback_list()}
    assert rows[str(world.alice.id)]["vote"] == "up"
    down_row = rows[str(world.admin.id)]
    assert down_row["vote"] == "down" and down_row["reason"] == "cites the wrong passage"
    assert down_row["request_id"] == rid and down_row["question"] == "What did Putin agree to about energy?"
    assert down_row["answer"] and down_row["citations"] and "quote" in down_row["citations"][0]
    service2.close()


async def test_help_lists_every_command_with_a_discord_example(world):
    result = await world.alice.slash(world.channel, "help")
    assert result.ephemeral
    [embed] = result.response.embeds
    names = [f.name.split()[0] for f in embed.fields]
    assert names == [f"/{c.name}" for c in commands_for("discord")]
    for f in embed.fields:
        assert "e.g. `/" in f.value, f.name  # an example each, as typed in Discord
        assert "\\`" not in f.value and "--" not in f.value  # working markdown, no terminal syntax
    compare = next(f.value for f in embed.fields if f.name.startswith("/compare"))
    assert "`/compare a:kremlin b:whitehouse topic:energy`" in compare
    assert "mention me again" in embed.description  # follow-ups need a mention without the opt-in


async def test_errors_on_discord_suggest_and_use_discord_words(world):
    result = await world.alice.slash(world.channel, "ask", question="What was said?", source="kremln")
    text = result.response.content
    assert result.ephemeral and "Did you mean kremlin (The Kremlin)?" in text
    assert "`/sources`" in text and "\\`" not in text and "analyst " not in text
    [err] = world.env.errors  # through the global error handler (and acknowledged here)
    assert type(err).__name__ in ("UnknownSourceError", "CommandInvokeError")
