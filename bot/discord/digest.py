"""The contradiction digest: the `new` contradictions posted to the digest channel, each with both
quotes, speakers, dates and the explanation, and a Dismiss button.

Delivery is at-least-once per message and never silently lost: items are marked `posted` only after
Discord accepted the message that carries them. A failed send leaves them `new`, so the next run
posts them; a restart finds them `posted` and does not post them again. Nothing is sent on a day
with nothing new."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.discord.access import is_admin
from bot.discord.render import Outgoing, fit, render_contradictions
from retrieval.errors import AnalystError

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()


class DismissButton(discord.ui.DynamicItem[discord.ui.Button],
                    template=r"analyst:dismiss:(?P<cid>[A-Za-z0-9_.:-]{1,80})"):
    """A persistent button (it works after a restart): the contradiction id is in its custom_id."""

    def __init__(self, cid: str, label: str = "Dismiss") -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.secondary,
                                           custom_id=f"analyst:dismiss:{cid}"))
        self.cid = cid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match, /):
        return cls(match["cid"], item.label or "Dismiss")

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        if not is_admin(interaction.user, client.settings):
            role = f"the `{client.settings.admin_role}` role or " if client.settings.admin_role else ""
            await interaction.response.send_message(
                f"You need {role}the Manage Server permission to dismiss contradictions.",
                ephemeral=True, allowed_mentions=NONE)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await asyncio.to_thread(client.service.dismiss, self.cid)
            text = f"Dismissed `{fit(self.cid, 80)}`."
            log.info("contradiction %s dismissed by %s", self.cid, interaction.user.id)
        except AnalystError as exc:
            text = fit(f"{exc.user_message} {exc.hint}".strip(), 1900)
        except Exception:
            log.exception("dismiss %s failed", self.cid)
            text = "Something went wrong; the details are in the bot's log."
        await interaction.edit_original_response(content=text, allowed_mentions=NONE)


def dismiss_view(ids: list[str], first: int = 1) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for k, cid in enumerate(ids, first):
        view.add_item(DismissButton(cid, f"Dismiss #{k}"))
    return view


def digest_messages(client, items, *, preview: bool = False) -> list[Outgoing]:
    day = datetime.now(ZoneInfo(client.settings.timezone)).date().isoformat()
    names = client.service.source_names()
    if preview:
        heading = (f"Digest preview ({day}): {len(items)} new contradiction(s); nothing is marked posted."
                   if items else "Nothing new for the digest.")
    else:
        heading = f"Contradiction digest, {day}: {len(items)} new."
    return render_contradictions(items, names, heading)


async def preview_messages(client) -> list[Outgoing]:
    items = await asyncio.to_thread(client.service.contradictions, "new")
    return digest_messages(client, items, preview=True)


async def digest_channel(client):
    cid = client.settings.digest_channel_id
    if cid is None:
        return None
    return client.get_channel(cid) or await client.fetch_channel(cid)


async def post_digest(client) -> int:
    """Post the `new` contradictions; returns how many were posted (and marked `posted`)."""
    async with client.digest_lock:  # a scheduled run and a manual one never overlap
        items = await asyncio.to_thread(client.service.contradictions, "new")
        if not items:
            log.info("digest: nothing new, nothing posted")
            return 0
        try:
            channel = await digest_channel(client)
        except discord.HTTPException as exc:
            log.warning("digest: channel %s unavailable (%s); %d item(s) stay new",
                        client.settings.digest_channel_id, exc.status, len(items))
            return 0
        if channel is None:
            log.warning("digest: %d new contradiction(s) but ANALYST_DIGEST_CHANNEL_ID is not set", len(items))
            return 0
        posted, k = 0, 1
        for msg in digest_messages(client, items):
            try:
                await channel.send(content=msg.content or None, embeds=msg.embeds,
                                   view=dismiss_view(msg.ids, k), allowed_mentions=NONE)
            except discord.HTTPException as exc:
                log.warning("digest: send failed (%s %s); %d item(s) stay new for the next run",
                            exc.status, exc.code, len(items) - posted)
                break
            await asyncio.to_thread(client.service.mark_posted, msg.ids)
            posted += len(msg.ids)
            k += len(msg.ids)
        log.info("digest: posted %d of %d new contradiction(s)", posted, len(items))
        return posted
