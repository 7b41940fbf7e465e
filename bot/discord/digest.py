"""The dispute digest: the `new` disputes (confident enough, never posted) posted to the digest channel,
one message per dispute with its own Dismiss button, strongest first; the first message carries the
heading, which also names posted disputes that gained new evidence.

Exactly once, across crashes: every digest message carries a marker in its embed footer
(`Analyst digest · dispute d-…`). Before posting, the bot reads the channel's recent messages and marks
`posted` every dispute whose marker is already there, so a process that died between Discord accepting
a message and the ledger recording it does not post it again. Each item is marked `posted` right after
Discord accepted its message; a failed send leaves the rest `new` for the next run. Nothing is sent on a
day with nothing new.

Dismissing from the digest edits the post: the item is marked dismissed and its button disabled; a
second dismissal (another admin, or `/dismiss` first) says it already was."""
from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.discord.access import is_admin
from bot.discord.render import Outgoing, fit, plain
from bot.discord.render_disputes import digest_item, dispute_embed, marker_id, render_disputes
from bot.render import below_bar
from retrieval.errors import AnalystError

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()
RECONCILE_LIMIT = 200  # recent channel messages read for markers before posting
_DISPUTE_ID = re.compile(r"^d-[0-9a-f]{4,40}$")


class DismissButton(discord.ui.DynamicItem[discord.ui.Button],
                    template=r"analyst:dismiss:(?P<cid>[A-Za-z0-9_.:-]{1,80})"):
    """A persistent button (it works after a restart): the dispute id (or, on digests posted before
    disputes existed, a pair id) is in its custom_id."""

    def __init__(self, cid: str, label: str = "Dismiss", disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.secondary,
                                           custom_id=f"analyst:dismiss:{cid}", disabled=disabled))
        self.cid = cid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match, /):
        return cls(match["cid"], item.label or "Dismiss")

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        if not is_admin(interaction.user, client.settings):
            role = f"the `{client.settings.admin_role}` role or " if client.settings.admin_role else ""
            await interaction.response.send_message(
                f"You need {role}the Manage Server permission to dismiss disputes.",
                ephemeral=True, allowed_mentions=NONE)
            return
        await interaction.response.defer()  # a deferred update: the post itself is edited below
        try:
            result = await asyncio.to_thread(client.service.dismiss, self.cid)
        except AnalystError as exc:
            await interaction.followup.send(plain(exc.for_front("discord"), 1900), ephemeral=True,
                                            allowed_mentions=NONE)
            return
        except Exception:
            log.exception("dismiss %s failed", self.cid)
            await interaction.followup.send("Something went wrong; the details are in the bot's log.",
                                            ephemeral=True, allowed_mentions=NONE)
            return
        who = getattr(interaction.user, "display_name", None) or interaction.user.name
        log.info("%s %s dismissed by %s%s", result.target, result.id, interaction.user.id,
                 " (already dismissed)" if result.already else "")
        try:
            await edit_dismissed(interaction, result, who, self.cid)
        except discord.HTTPException as exc:
            log.warning("could not edit the digest post for %s (%s)", result.id, exc.status)
        await interaction.followup.send(dismissal_text(result, who), ephemeral=True, allowed_mentions=NONE)


def dismissal_text(result, who: str | None = None) -> str:
    what = "Dispute" if result.target == "dispute" else "Contradiction"
    if result.already:
        return f"{what} `{fit(result.id, 80)}` was already dismissed."
    if result.target == "dispute" and result.dispute is not None:
        return f"Dismissed dispute `{fit(result.id, 80)}` and its {len(result.dispute.pairs)} pair(s)."
    text = f"Dismissed `{fit(result.id, 80)}`."
    if result.dispute is not None:
        text += (f" Its dispute `{result.dispute.id}` is dismissed too." if result.dispute.status == "dismissed"
                 else f" Its dispute `{result.dispute.id}` stays {result.dispute.status} with its other pairs.")
    return text


async def edit_dismissed(interaction: discord.Interaction, result, who: str, cid: str) -> None:
    """Edit the digest post the button sits on: a dispute's item re-rendered as dismissed with its
    button disabled; on an old multi-item post, only the clicked button is disabled."""
    message = interaction.message
    if message is None:
        return
    if result.target == "dispute" and result.dispute is not None and len(message.embeds) <= 1:
        names = interaction.client.service.source_names()
        embed = dispute_embed(result.dispute, names, digest=True, note=f"Dismissed by {fit(who, 80)}.")
        await interaction.edit_original_response(embeds=[embed], view=dismissed_view(result.dispute.id),
                                                 allowed_mentions=NONE)
        return
    view = discord.ui.View.from_message(message, timeout=None)
    for item in view.children:
        if getattr(item, "custom_id", None) == f"analyst:dismiss:{cid}":
            item.disabled = True
            item.label = "Dismissed"
    await interaction.edit_original_response(view=view, allowed_mentions=NONE)


def dismiss_view(dispute_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(DismissButton(dispute_id, "Dismiss"))
    return view


def dismissed_view(dispute_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(DismissButton(dispute_id, "Dismissed", disabled=True))
    return view


def _day(client) -> str:
    return datetime.now(ZoneInfo(client.settings.timezone)).date().isoformat()


def heading(client, n_items: int, updates, *, preview: bool = False, continued: bool = False,
            possible: int = 0) -> str:
    """The digest's first line(s): how many new disputes, the posted ones with new evidence, and how
    many disputes below the confidence bar arrived since the last digest (counted, never posted)."""
    if preview:
        head = (f"Digest preview ({_day(client)}): {n_items} new dispute(s); nothing is marked posted."
                if n_items else "Nothing new for the digest.")
    else:
        more = " (continued)" if continued else ""
        head = f"Dispute digest, {_day(client)}{more}: {n_items} new."
    if updates:
        head += "\nNew evidence on disputes already posted: " + "; ".join(
            f"{fit(d.headline, 150)} (`{d.id}`, {len(d.pairs)} pairs)" for d in updates[:10])
    if possible:
        head += "\n" + below_bar(possible, "`/disputes status:possible`")
    return head


def digest_messages(client, items, updates=(), *, continued: bool = False, possible: int = 0) -> list[Outgoing]:
    """The digest as it is posted: one message per dispute (marked in its footer, its id in `ids`), the
    heading on the first."""
    names = client.service.source_names()
    head = heading(client, len(items), list(updates), continued=continued, possible=possible)
    return [digest_item(d, names, head if k == 0 else "") for k, d in enumerate(items)]


async def preview_messages(client) -> list[Outgoing]:
    items = await asyncio.to_thread(client.service.disputes, "new")
    updates = await asyncio.to_thread(client.service.disputes_with_new_evidence)
    possible = await asyncio.to_thread(client.service.possible_since_digest)
    names = client.service.source_names()
    return render_disputes(items, names, heading(client, len(items), updates, preview=True, possible=possible))


async def digest_channel(client):
    cid = client.settings.digest_channel_id
    if cid is None:
        return None
    return client.get_channel(cid) or await client.fetch_channel(cid)


async def posted_markers(client, channel, limit: int = RECONCILE_LIMIT) -> set[str]:
    """Dispute ids found in the digest markers of the bot's own recent messages in `channel`."""
    found: set[str] = set()
    me = client.user.id if client.user else None
    async for message in channel.history(limit=limit):
        if message.author.id != me:
            continue
        for embed in message.embeds:
            did = marker_id(embed.footer.text if embed.footer else None)
            if did and _DISPUTE_ID.match(did):
                found.add(did)
    return found


async def reconcile(client, channel, pending: list[str]) -> set[str]:
    """Mark posted the pending disputes whose digest message is already in the channel (sent by a
    run that died before recording it); returns their ids."""
    if not pending:
        return set()
    try:
        seen = await posted_markers(client, channel)
    except discord.HTTPException as exc:
        log.warning("digest: cannot read the channel's history (%s %s) to reconcile; posting may repeat an "
                    "item sent just before a crash", exc.status, exc.code)
        return set()
    already = seen & set(pending)
    if already:
        await asyncio.to_thread(client.service.mark_posted, sorted(already))
        log.warning("digest: %d dispute(s) were already in the channel (a run died before recording them); "
                    "marked posted, not sent again: %s", len(already), ", ".join(sorted(already)))
    return already


async def post_digest(client) -> int:
    """Post the `new` disputes; returns how many were posted (and marked `posted`)."""
    async with client.digest_lock:  # a scheduled run and a manual one never overlap
        items = await asyncio.to_thread(client.service.disputes, "new")
        updates = await asyncio.to_thread(client.service.disputes_with_new_evidence)
        if not items and not updates:
            log.info("digest: nothing new, nothing posted")
            return 0
        channel = await _channel_or_none(client, len(items))
        if channel is None:
            return 0
        done = await reconcile(client, channel, [d.id for d in items])
        items = [d for d in items if d.id not in done]
        if not items and not updates:
            return 0
        possible = await asyncio.to_thread(client.service.possible_since_digest)
        if not items:  # only new evidence on disputes already posted: one line, then clear the flags
            head = heading(client, 0, updates, continued=bool(done), possible=possible)
            await _post_updates_only(client, channel, head, updates)
            return 0
        return await _post_items(client, channel, items, updates, continued=bool(done), possible=possible)


async def _channel_or_none(client, waiting: int):
    """The digest channel, or None (logged) when it is not set or Discord will not give it."""
    try:
        channel = await digest_channel(client)
    except discord.HTTPException as exc:
        log.warning("digest: channel %s unavailable (%s); %d item(s) stay new",
                    client.settings.digest_channel_id, exc.status, waiting)
        return None
    if channel is None:
        log.warning("digest: %d new dispute(s) but ANALYST_DIGEST_CHANNEL_ID is not set", waiting)
    return channel


async def _post_updates_only(client, channel, head: str, updates: list) -> None:
    try:
        await channel.send(content=plain(head, 2000), allowed_mentions=NONE)
    except discord.HTTPException as exc:
        log.warning("digest: send failed (%s %s)", exc.status, exc.code)
        return
    await asyncio.to_thread(client.service.mark_posted, [d.id for d in updates])


async def _post_items(client, channel, items: list, updates: list, *, continued: bool, possible: int = 0) -> int:
    """One message per dispute, each recorded as posted once Discord has it; stops at the first failure."""
    posted = 0
    messages = digest_messages(client, items, updates, continued=continued, possible=possible)
    for k, (d, msg) in enumerate(zip(items, messages)):
        try:
            await channel.send(content=msg.content or None, embeds=msg.embeds, view=dismiss_view(d.id),
                               allowed_mentions=NONE)
        except discord.HTTPException as exc:
            log.warning("digest: send failed (%s %s); %d item(s) stay new for the next run",
                        exc.status, exc.code, len(items) - posted)
            break
        await asyncio.to_thread(client.service.mark_posted, [d.id])
        posted += 1
        if k == 0 and updates:
            await asyncio.to_thread(client.service.mark_posted, [u.id for u in updates])
    log.info("digest: posted %d of %d new dispute(s)", posted, len(items))
    return posted


async def find_digest_message(client, dispute_id: str) -> discord.Message | None:
    """The digest message carrying `dispute_id`, among the channel's recent messages."""
    try:
        channel = await digest_channel(client)
        if channel is None:
            return None
        me = client.user.id if client.user else None
        async for message in channel.history(limit=RECONCILE_LIMIT):
            if message.author.id == me and any(
                    marker_id(e.footer.text if e.footer else None) == dispute_id for e in message.embeds):
                return message
    except discord.HTTPException as exc:
        log.info("digest: could not look for the post of %s (%s)", dispute_id, exc.status)
    return None


async def mark_post_dismissed(client, result, who: str) -> bool:
    """After `/dismiss`: edit the dispute's digest post like its button would. True if one was edited."""
    dispute = result.dispute
    if dispute is None or dispute.status != "dismissed":
        return False
    message = await find_digest_message(client, dispute.id)
    if message is None:
        return False
    names = client.service.source_names()
    embed = dispute_embed(dispute, names, digest=True, note=f"Dismissed by {fit(who, 80)}.")
    try:
        await message.edit(embeds=[embed], view=dismissed_view(dispute.id), allowed_mentions=NONE)
    except discord.HTTPException as exc:
        log.warning("could not edit the digest post of %s (%s)", dispute.id, exc.status)
        return False
    return True
