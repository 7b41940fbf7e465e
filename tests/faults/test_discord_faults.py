"""The Discord bot keeps running through a Chroma outage: /ask answers with one clear ephemeral line
naming the URL while the server is down, and answers normally again once it is back, without a restart.
Real bot code through simcord, real `chroma run` server on loopback, real service."""
from __future__ import annotations

import pytest

from retrieval.settings import Settings
from tests.discord.conftest import (  # noqa: F401  (fixtures used by name)
    DEV_GUILD_ID, bot_scheduler, discord_service, env, public_messages, settle_timeout, world,
)

pytestmark = pytest.mark.server
QUESTION = "How many injured Ukrainian servicemen will be handed over?"


@pytest.fixture
def discord_settings(tmp_path, corpus_dir, chroma_server):
    from retrieval.service import Analyst

    url, _, _ = chroma_server
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=corpus_dir, llm="none",
                        cooldown_s=0, dev_guild_id=DEV_GUILD_ID, timezone="UTC",
                        chroma_url=url.replace("http://", "http://bot:pa55word@"))
    svc = Analyst(settings)
    svc.index(detect=False)
    svc.close()
    return settings


async def test_bot_survives_a_chroma_outage_and_recovers(world, chroma_server):
    url, stop, start = chroma_server
    first = await world.alice.slash(world.channel, "ask", question=QUESTION)
    assert "23 injured" in str(first.followups[0].embeds[0].to_dict())

    stop()
    down = await world.alice.slash(world.channel, "ask", question=QUESTION)
    assert down.ephemeral and not down.followups
    text = down.response.content
    assert text.startswith(f"Chroma server at {url} is unreachable.") and "\n" not in text.strip()
    assert "pa55word" not in text
    [err] = world.env.errors  # the bot's error handler saw it (and it is acknowledged here)
    assert "StoreUnavailableError" in repr(err) or "StoreUnavailableError" in repr(err.__cause__)

    start()
    again = await world.alice.slash(world.channel, "ask", question=QUESTION)
    assert again.followups and not again.followups[0].ephemeral
    assert again.followups[0].embeds[0].to_dict() == first.followups[0].embeds[0].to_dict()
    assert len(public_messages(world.channel)) == 2  # the two answers; the outage line was private
