"""The dispute digest: the `new` disputes (confident enough, never posted) posted to the digest channel,
one message per dispute with its own Dismiss button, strongest first; the first message carries the
heading, which also names posted disputes that gained new evidence.

Exactly once, across crashes: every digest message carries a marker in its embed footer
(`Analyst digest · dispute d-…`). Before posting, the bot reads the channel's recent messages and marks
`posted` every dispute whose marker is already there, so a process that died between Discord accepting
a message and the ledger recording it does not post it again. Each item is marked `posted` right after
Discord accepted its message; a failed send leaves the rest `new` for the next run. Nothing is sent on a
day with nothing new (no item, no new evidence, no possible dispute to name).

Dismissing from the digest edits the post (the button: `dismiss.py`; `/dismiss` finds the post here)."""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.discord.dismiss import NONE, dismiss_view, dismissed_view
from bot.discord.render import Outgoing, fit, plain
from bot.discord.render_disputes import digest_item, dispute_embed, marker_id, render_disputes
from bot.render import below_bar
from retrieval.contradictions.posting import BelowBar

log = logging.getLogger(__name__)
RECONCILE_LIMIT = 200  # recent channel messages read for markers before posting
_DISPUTE_ID = re.compile(r"^d-[0-9a-f]{4,40}$")


def _day(client) -> str:
    return datetime.now(ZoneInfo(client.settings.timezone)).date().isoformat()


def heading(client, n_items: int, updates, *, preview: bool = False, continued: bool = False,
            below: BelowBar | None = None) -> str:
    """The digest's first line(s): how many new disputes, the posted ones with new evidence, and the
    disputes below the confidence bar (the strongest named, the rest counted; never posted as items)."""
    if preview:
        head = (f"Digest preview ({_day(client)}): {n_items} new dispute(s); nothing is marked posted."
                if n_items or updates or (below and below.named) else "Nothing new for the digest.")
    else:
        more = " (continued)" if continued else ""
        head = f"Dispute digest, {_day(client)}{more}: {n_items} new."
    if updates:
        head += "\nNew evidence on disputes already posted: " + "; ".join(
            f"{fit(d.headline, 150)} (`{d.id}`, {len(d.pairs)} pairs)" for d in updates[:10])
    if below:
        head += "\n" + below_bar(below, "`/disputes status:possible`", "`/disputes id:`")
    return head


def digest_messages(client, items, updates=(), *, continued: bool = False,
                    below: BelowBar | None = None) -> list[Outgoing]:
    """The digest as it is posted: one message per dispute (marked in its footer, its id in `ids`), the
    heading on the first."""
    names = client.service.source_names()
    head = heading(client, len(items), list(updates), continued=continued, below=below)
    return [digest_item(d, names, head if k == 0 else "") for k, d in enumerate(items)]


async def preview_messages(client) -> list[Outgoing]:
    items = await asyncio.to_thread(client.service.disputes, "new")
    updates = await asyncio.to_thread(client.service.disputes_with_new_evidence)
    below = await asyncio.to_thread(client.service.below_bar)
    names = client.service.source_names()
    return render_disputes(items, names, heading(client, len(items), updates, preview=True, below=below))


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


@dataclass
class Posted:
    """What a digest run sent: `items` disputes posted (and marked `posted`), or a heading alone (new
    evidence on posted disputes, possible disputes named) on a day with no new item."""

    items: int = 0
    heading_only: bool = False


async def post_digest(client) -> Posted:
    """Post the `new` disputes. Possible disputes not named before are named in the heading, even on a
    day with no new item."""
    async with client.digest_lock:  # a scheduled run and a manual one never overlap
        items = await asyncio.to_thread(client.service.disputes, "new")
        updates = await asyncio.to_thread(client.service.disputes_with_new_evidence)
        below = await asyncio.to_thread(client.service.below_bar)
        if not items and not updates and not below.named:
            log.info("digest: nothing new, nothing posted")
            return Posted()
        channel = await _channel_or_none(client, len(items))
        if channel is None:
            return Posted()
        done = await reconcile(client, channel, [d.id for d in items])
        items = [d for d in items if d.id not in done]
        if not items and not updates and not below.named:
            return Posted()
        if not items:  # only new evidence on posted disputes or possible ones: the heading, then record it
            head = heading(client, 0, updates, continued=bool(done), below=below)
            return Posted(heading_only=await _post_heading_only(client, channel, head, updates, below))
        return Posted(items=await _post_items(client, channel, items, updates, continued=bool(done), below=below))


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


async def _post_heading_only(client, channel, head: str, updates: list, below: BelowBar) -> bool:
    content = plain(head, 2000)
    try:
        await channel.send(content=content, allowed_mentions=NONE)
    except discord.HTTPException as exc:
        log.warning("digest: send failed (%s %s)", exc.status, exc.code)
        return False
    await asyncio.to_thread(client.service.mark_posted, [d.id for d in updates])
    await _mark_named(client, below, content)
    return True


async def _mark_named(client, below: BelowBar | None, content: str) -> None:
    """Record the possible disputes the sent heading names (a line cut off by the length limit is not)."""
    named = [d.id for d in (below.named if below else []) if f"`{d.id}`" in content]
    if named:
        await asyncio.to_thread(client.service.mark_noted, named)


async def _post_items(client, channel, items: list, updates: list, *, continued: bool,
                     below: BelowBar | None = None) -> int:
    """One message per dispute, each recorded as posted once Discord has it; stops at the first failure."""
    posted = 0
    messages = digest_messages(client, items, updates, continued=continued, below=below)
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
        if k == 0:
            if updates:
                await asyncio.to_thread(client.service.mark_posted, [u.id for u in updates])
            await _mark_named(client, below, msg.content)
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
