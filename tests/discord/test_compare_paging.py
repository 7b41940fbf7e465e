"""/compare in simcord: the first page is one embed within Discord's limits with a plain-text line;
buttons page through the rest of the briefing; the menu opens a row's full quotes privately."""
from tests.discord.conftest import embed_limits_ok


def _rows(embed) -> list[int]:
    return [int(f.name.split(".", 1)[0]) for f in embed.fields]


async def test_compare_pages_with_buttons_and_opens_full_quotes(world):
    result = await world.alice.slash(world.channel, "compare", a="kremlin", b="news")
    [followup] = result.followups
    message = followup.message
    embed_limits_ok(message)
    assert len(message.embeds) == 1 and message.content and len(message.content) <= 600
    first = _rows(message.embeds[0])
    assert first == list(range(1, len(first) + 1)) and 0 < len(first) <= 12
    total = world.bot.service.compare("kremlin", "news")
    assert len(total.rows) > len(first), "the seed's kremlin/news briefing needs a second page"

    await world.alice.click(message, custom_id="compare:next")
    await world.env.settle()
    [page2] = [m for m in world.channel.history() if m.id == message.id]
    embed_limits_ok(page2)
    second = _rows(page2.embeds[0])
    assert second and second[0] == len(first) + 1 and "Page 2/" in page2.embeds[0].footer.text

    await world.alice.click(page2, custom_id="compare:prev")
    await world.env.settle()
    [back] = [m for m in world.channel.history() if m.id == message.id]
    assert _rows(back.embeds[0]) == first

    quotes = await world.alice.select(back, [str(first[0] - 1)], custom_id="compare:quotes")
    assert quotes.ephemeral
    embeds = quotes.response.embeds
    row = total.rows[0]
    shown = " ".join(f.value for e in embeds for f in e.fields)
    for c in (*row.a, *row.b):
        assert " ".join(c.quote.split())[:60] in shown.replace("\\", "")
