"""/feeds and /fetch: the followed publishers' feeds from Discord. /feeds lists them with their last
poll, last new item, items stored and last error (anyone, in the channel); /fetch polls them now and
indexes what is new (admins: it writes to the corpus). Each is defer → service call → render → send."""
from __future__ import annotations

import logging
from typing import Sequence

import discord

from bot.discord.access import require_admin
from bot.discord.reply import deliver, thinking
from bot.discord.render import GREY, Outgoing, fit, group, pack
from bot.render import fetch_status
from retrieval.feeds.models import FeedInfo, FetchReport

log = logging.getLogger(__name__)


def render_feeds(items: Sequence[FeedInfo]) -> list[Outgoing]:
    fields = [(fit(f"{f.source}: {f.url}", 256),
               fit(f"last polled {f.last_polled or 'never'}, last new item {f.last_new or 'never'}, "
                   f"{f.items} item(s) stored" + (f"\nlast error: {f.error}" if f.error else ""), 1024))
              for f in items]
    empty = "No feeds. An admin can add one with `/sources-add id:… feed:…`."
    return group(pack("Feeds", "" if items else empty, fields, color=GREY))


def render_fetch(report: FetchReport) -> list[Outgoing]:
    fields = [(fit(f"{f.source}: {f.url}", 256),
               fit(fetch_status(f), 1024))
              for f in report.feeds]
    new = sum(f.new for f in report.feeds)
    summary = (f"{new} new article(s): {report.index.added} document(s) indexed, "
               f"{report.index.contradictions_new} new contradiction(s)." if new else "Nothing new.")
    return group(pack("Fetched", summary if report.feeds else "No feeds to poll.", fields, color=GREY))


async def feeds(interaction: discord.Interaction) -> None:
    await thinking(interaction)
    items = await interaction.client.run_blocking(interaction.client.service.feeds)
    await deliver(interaction, render_feeds(items), public=True)


async def fetch(interaction: discord.Interaction) -> None:
    require_admin(interaction.client.settings, interaction.user, "poll the feeds")
    await thinking(interaction)
    log.info("/fetch by %s", interaction.user.id)
    report = await interaction.client.run_blocking(interaction.client.service.fetch_feeds)
    await deliver(interaction, render_fetch(report), public=False)
