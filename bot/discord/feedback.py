"""👍/👎 under every answer. The buttons are persistent (`DynamicItem`: the request id and the vote are
in the custom_id), so they keep working after a restart; the vote lands in the service's feedback log
with the question, answer and citations logged when the answer was shown. 👎 asks for an optional
short reason in a modal."""
from __future__ import annotations

import asyncio
import logging

import discord

from retrieval.answers.feedback import MAX_REASON
from retrieval.errors import AnalystError

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()
THANKS = {"up": "Thanks: noted 👍.", "down": "Thanks: noted 👎."}


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button],
                     template=r"analyst:fb:(?P<vote>up|down):(?P<rid>[A-Za-z0-9_-]{1,64})"):
    def __init__(self, rid: str, vote: str) -> None:
        super().__init__(discord.ui.Button(
            emoji="👍" if vote == "up" else "👎", style=discord.ButtonStyle.secondary,
            custom_id=f"analyst:fb:{vote}:{rid}"))
        self.rid, self.vote = rid, vote

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match, /):
        return cls(match["rid"], match["vote"])

    async def callback(self, interaction: discord.Interaction) -> None:
        service = interaction.client.service
        try:
            await asyncio.to_thread(service.feedback, self.rid, str(interaction.user.id), self.vote)
        except AnalystError as exc:
            await interaction.response.send_message(exc.user_message, ephemeral=True, allowed_mentions=NONE)
            return
        log.info("feedback %s on %s by %s", self.vote, self.rid, interaction.user.id)
        if self.vote == "down":
            await interaction.response.send_modal(ReasonModal(self.rid))
        else:
            await interaction.response.send_message(THANKS["up"], ephemeral=True, allowed_mentions=NONE)


class ReasonModal(discord.ui.Modal, title="What was wrong with this answer?"):
    reason: discord.ui.TextInput = discord.ui.TextInput(
        label="Reason (optional)", style=discord.TextStyle.paragraph, required=False, max_length=MAX_REASON,
        custom_id="reason",
        placeholder="e.g. wrong speaker, doesn't answer the question, outdated")

    def __init__(self, rid: str) -> None:
        super().__init__(timeout=600, custom_id=f"analyst:fbr:{rid}")
        self.rid = rid

    async def on_submit(self, interaction: discord.Interaction) -> None:
        service = interaction.client.service
        try:
            await asyncio.to_thread(service.feedback, self.rid, str(interaction.user.id), "down",
                                    self.reason.value or None)
            text = THANKS["down"]
        except AnalystError as exc:
            text = exc.user_message
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NONE)


def feedback_view(rid: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton(rid, "up"))
    view.add_item(FeedbackButton(rid, "down"))
    return view
