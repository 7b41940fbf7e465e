"""End to end with the real local model (Qwen2.5-Coder-1.5B via llama.cpp): /ask through simcord."""
from __future__ import annotations

import pytest

from tests.discord.conftest import bot_settings_for, embed_limits_ok

pytestmark = pytest.mark.slow


@pytest.fixture
def discord_settings(workdir, local_llm_url):
    return bot_settings_for(workdir, llm="remote", llm_base_url=local_llm_url)


@pytest.fixture
def settle_timeout() -> float:
    return 300.0  # a model answer takes 10-60 s on 2 cores


@pytest.fixture
def bot_scheduler() -> bool:
    # Off: with a 300 s bound simcord's settle would wait for the feeds job's first run (5 min after
    # start) and race with it ("did not settle while advancing time"). This test is about /ask.
    return False


async def test_ask_with_the_local_model(world):
    result = await world.alice.slash(world.channel, "ask",
                                     question="What did Putin agree to about energy infrastructure?")
    [msg] = result.followups
    embed_limits_ok(msg.message)
    [embed] = msg.embeds
    assert embed.footer.text.startswith("llm")  # the model answered (no extractive fallback)
    assert embed.description and "Extractive" not in embed.description
    # Answer quality is tested with the model in tests/llm; here: whatever it says is rendered
    # with its citations (or says plainly that the documents don't support it).
    if embed.fields:
        assert "[1]" in embed.description and embed.fields[0].value.startswith("> ")
    else:
        assert "Not supported by the indexed documents" in embed.description
