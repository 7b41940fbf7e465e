"""The Dismiss button under each digest item, and what dismissing shows.

Dismissing from the digest edits the post: the item is marked dismissed and its button disabled; a
second dismissal (another admin, or `/dismiss` first) says it already was. The button is persistent:
the dispute id is in its custom_id, so it works after a restart."""
from __future__ import annotations

import asyncio
import logging

import discord

from bot.discord.access import is_admin
from bot.discord.render import fit, plain
from bot.discord.render_disputes import dispute_embed
from retrieval.errors import AnalystError

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()


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
