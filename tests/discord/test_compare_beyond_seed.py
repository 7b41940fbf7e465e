"""/compare in simcord on a corpus beyond the seed: three publishers (two governments and a wire
service, invented for this test), enough statements for a second page. The first page is one embed
within Discord's limits, its rows carry dates, "More" pages on, and a row's full quotes open privately.
Real Chroma and embedder, no model."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retrieval.service import Analyst
from tests.discord.conftest import bot_settings_for, embed_limits_ok

HERE = Path(__file__).resolve().parents[1] / "compare" / "corpus"
NORTH_MORE = """---
source: northland
title: Northland cabinet briefing on the river
date: 2024-07-01
---
""" + "\n\n".join([
    "Northland will open a second customs post at Ferrow before the harvest.",
    "The cabinet approved money for a flood wall along the eastern bank at Kessa.",
    "Northland's navy will escort grain barges on the lower river from August.",
    "A new bridge at Ostmar will carry freight trains from next spring.",
    "The ministry of health will vaccinate cattle herds in the border districts.",
    "Northland asks the river commission to publish water levels every hour.",
    "Teachers in the valley schools will receive a winter bonus this year.",
    "Northland will sell electricity from the Avon turbines to the eastern grid.",
    "The cabinet ordered a survey of the salt marshes near the estuary.",
    "Fishing permits on the upper lakes will be free for residents until October.",
]) + "\n"


@pytest.fixture
def workdir(tmp_path) -> Path:
    shutil.copytree(HERE, tmp_path / "corpus")
    (tmp_path / "corpus" / "2024-07-01-northland-cabinet.md").write_text(NORTH_MORE, encoding="utf-8")
    service = Analyst(bot_settings_for(tmp_path))
    service.index()
    service.close()
    return tmp_path


def _rows(embed) -> list[int]:
    return [int(f.name.split(".", 1)[0]) for f in embed.fields]


async def test_compare_pages_on_a_three_publisher_corpus(world):
    total = world.bot.service.compare("northland", "southland")
    assert len(total.rows) > total.first_page, [r.relation for r in total.rows]
    result = await world.alice.slash(world.channel, "compare", a="northland", b="southland")
    [followup] = result.followups
    message = followup.message
    embed_limits_ok(message)
    first = _rows(message.embeds[0])
    assert first == list(range(1, total.first_page + 1))
    assert all("2024-" in f.name for f in message.embeds[0].fields)  # each row shows its dates
    assert any(" Only Government of Northland · " in f.name for f in message.embeds[0].fields)

    await world.alice.click(message, custom_id="compare:next")
    await world.env.settle()
    [page2] = [m for m in world.channel.history() if m.id == message.id]
    embed_limits_ok(page2)
    assert _rows(page2.embeds[0])[0] == total.first_page + 1 and "Page 2/" in page2.embeds[0].footer.text

    quotes = await world.alice.select(page2, [str(total.first_page)], custom_id="compare:quotes")
    assert quotes.ephemeral
    shown = " ".join(f.value for e in quotes.response.embeds for f in e.fields).replace("\\", "")
    row = total.rows[total.first_page]
    for c in (*row.a, *row.b):
        assert " ".join(c.quote.split())[:50] in shown
