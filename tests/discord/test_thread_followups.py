"""Follow-ups in the bot's own thread without a mention. Discord sends a bot the text of such a
message only with the privileged message content intent, so this is opt-in (ANALYST_MESSAGE_CONTENT);
simcord blanks message content the way Discord does, so both settings are tested as they would run."""
from __future__ import annotations

import pytest

from tests.discord.conftest import bot_settings_for


@pytest.fixture
def discord_settings(workdir, request):
    return bot_settings_for(workdir, message_content=request.param)


def _bot_replies(thread, bot_id) -> int:
    return sum(m.author.id == bot_id for m in thread.history())


@pytest.mark.parametrize("discord_settings", [True], indirect=True)
async def test_follow_up_without_mention_is_answered_with_the_opt_in(world):
    me = world.bot.user.mention
    await world.alice.send(world.channel, f"{me} What did Putin agree to about energy infrastructure?")
    [thread] = world.channel.threads
    before = _bot_replies(thread, world.bot.user.id)
    await world.alice.send(thread, "And how many prisoners will be exchanged?")
    assert _bot_replies(thread, world.bot.user.id) == before + 1
    assert thread.history()[-1].embeds[0].title == "Q: And how many prisoners will be exchanged?"
    # a plain message elsewhere still needs a mention
    await world.alice.send(world.channel, "just chatting")
    assert len(world.channel.threads) == 1


@pytest.mark.parametrize("discord_settings", [False], indirect=True)
async def test_without_the_opt_in_a_follow_up_needs_a_mention(world):
    assert not world.bot.intents.message_content
    me = world.bot.user.mention
    await world.alice.send(world.channel, f"{me} What did Putin agree to about energy infrastructure?")
    [thread] = world.channel.threads
    before = _bot_replies(thread, world.bot.user.id)
    await world.alice.send(thread, "And how many prisoners will be exchanged?")  # content never arrives
    assert _bot_replies(thread, world.bot.user.id) == before
    await world.alice.send(thread, f"{me} And how many prisoners will be exchanged?")
    assert _bot_replies(thread, world.bot.user.id) == before + 1
