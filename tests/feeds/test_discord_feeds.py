"""Discord: `/ingest url:` and `/sources-add`, through simcord against the real service; both are
admin-only, checked when the command runs (the same check as file uploads)."""
from __future__ import annotations

from discord import app_commands

from bot.discord.access import AccessDenied
from retrieval.corpus.sources import SourceRegistry
from retrieval.errors import AnalystError
from tests.discord.conftest import (  # noqa: F401  (fixtures)
    bot_scheduler, discord_service, discord_settings, env, seed_template, settle_timeout, workdir, world,
)
from tests.feeds.conftest import page

TEXT = ["The White House said a ceasefire on energy infrastructure would take effect at midnight on Friday.",
        "Officials added that monitoring arrangements would be agreed by technical teams next week."]


async def test_ingest_a_url_needs_the_admin_role_and_is_indexed(world, web):
    world.bot.settings.fetch_allow_hosts = ["127.0.0.1"]  # the test server only
    url = web.set("/statement", page("Energy ceasefire", TEXT))
    refused = await world.alice.slash(world.channel, "ingest", url=url)
    assert refused.ephemeral and "Manage Server" in refused.response.content and web.hits == {}

    result = await world.admin.slash(world.channel, "ingest", url=url, source="whitehouse")
    assert result.ephemeral and "1 added" in result.response.content, result.response.content
    assert list((world.bot.settings.corpus_dir / "whitehouse" / "web").glob("*energy-ceasefire.md"))
    hits = world.bot.service.search("ceasefire on energy infrastructure at midnight")
    assert hits and hits[0].passage.doc.startswith("whitehouse/web/")

    blocked = await world.admin.slash(world.channel, "ingest", url="http://169.254.169.254/latest/meta-data/")
    assert blocked.ephemeral and "link-local (cloud metadata) address: refused" in blocked.response.content
    both = await world.admin.slash(world.channel, "ingest", url=url, text="also this")
    assert "one of them" in both.response.content
    _only_expected_errors(world)


async def test_sources_add_is_admin_only_and_saves_the_registry(world):
    path = world.bot.settings.sources_path
    before = path.read_text(encoding="utf-8")
    refused = await world.alice.slash(world.channel, "sources-add", id="tass", name="TASS")
    assert refused.ephemeral and "Manage Server" in refused.response.content
    assert path.read_text(encoding="utf-8") == before

    ok = await world.admin.slash(world.channel, "sources-add", id="tass", name="TASS",
                                 aliases="TASS agency, Russian news agency", feed="https://tass.com/rss/v2.xml")
    assert ok.ephemeral and "Saved source tass: TASS" in ok.response.content, ok.response.content
    src = SourceRegistry.load(path).get("tass")
    assert src.aliases == ("TASS agency", "Russian news agency") and src.feeds[0].url == "https://tass.com/rss/v2.xml"
    assert path.read_text(encoding="utf-8").startswith(before)  # comments and entries kept

    bad = await world.admin.slash(world.channel, "sources-add", id="lan", name="LAN", feed="file:///etc/passwd")
    assert bad.ephemeral and "http(s) URL" in bad.response.content
    _only_expected_errors(world)


def _only_expected_errors(world) -> None:
    """Refusals reach the global handler as errors: acknowledge them, and check they are all refusals."""
    errors = [e.original if isinstance(e, app_commands.CommandInvokeError) else e for e in world.env.errors]
    assert errors and all(isinstance(e, (AccessDenied, AnalystError)) for e in errors), errors


async def test_feeds_lists_and_fetch_polls_now_for_admins_only(world, web):
    from tests.feeds.conftest import rss

    world.bot.settings.fetch_allow_hosts = ["127.0.0.1"]  # the test server only
    link = web.set("/energy-ceasefire", page("Energy ceasefire", TEXT))
    feed = web.set("/wire.rss", rss([{"guid": "w1", "link": link, "title": "Energy ceasefire",
                                      "date": "Thu, 20 Mar 2025 12:00:00 GMT"}]), ctype="application/rss+xml")
    empty = await world.alice.slash(world.channel, "feeds")
    assert "No feeds" in empty.followups[0].embeds[0].description

    added = await world.admin.slash(world.channel, "sources-add", id="whitehouse", feed=feed)
    assert added.ephemeral and "Saved source whitehouse" in added.response.content, added.response.content
    refused = await world.alice.slash(world.channel, "fetch")
    assert refused.ephemeral and "Manage Server" in refused.response.content and web.hits == {}

    fetched = await world.admin.slash(world.channel, "fetch")
    assert fetched.ephemeral, "a poll's report goes to the admin who asked"
    [field] = fetched.response.embeds[0].fields
    assert feed in field.name and field.value.startswith("1 new")
    assert "1 new article(s): 1 document(s) indexed" in fetched.response.embeds[0].description
    hits = world.bot.service.search("ceasefire on energy infrastructure at midnight")
    assert hits and hits[0].passage.doc.startswith("whitehouse/web/")

    listed = await world.alice.slash(world.channel, "feeds")
    [msg] = listed.followups
    [field] = msg.embeds[0].fields
    assert field.name == f"whitehouse: {feed}" and "1 item(s) stored" in field.value and "never" not in field.value
    again = await world.admin.slash(world.channel, "fetch")
    assert again.response.embeds[0].fields[0].value == "not modified"
    assert again.response.embeds[0].description == "Nothing new."
    _only_expected_errors(world)
