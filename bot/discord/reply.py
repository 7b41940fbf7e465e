"""How a slash command replies: defer with an ephemeral "thinking…" (`thinking`), then `deliver` the
rendered messages publicly as follow-ups or privately; a rendered answer carries 👍/👎 buttons.
Replies never ping anyone (`NONE`)."""
from __future__ import annotations

from typing import Sequence

import discord

from bot.discord.feedback import feedback_view
from bot.discord.render import Outgoing, render_answer
from bot.logs import request_id

NONE = discord.AllowedMentions.none()


async def thinking(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)


async def deliver(interaction: discord.Interaction, messages: Sequence[Outgoing], *, public: bool) -> None:
    """Send rendered messages after `thinking()`: publicly as follow-ups, or privately."""
    messages = [m for m in messages if m.content or m.embeds] or [Outgoing(content="(nothing)")]
    if not public:
        first, *rest = messages
        await interaction.edit_original_response(content=first.content or None, embeds=first.embeds,
                                                 allowed_mentions=NONE, **view_of(first))
        for m in rest:
            await interaction.followup.send(content=m.content or None, embeds=m.embeds,
                                            ephemeral=True, allowed_mentions=NONE, **view_of(m))
        return
    await interaction.edit_original_response(content="Posting…")  # completes the ephemeral original
    for m in messages:
        await interaction.followup.send(content=m.content or None, embeds=m.embeds, allowed_mentions=NONE,
                                        **view_of(m))
    await interaction.delete_original_response()


def view_of(m: Outgoing) -> dict:
    """The message's buttons (feedback, dismiss), when it has any, as send/edit keyword arguments."""
    return {"view": m.view} if m.view is not None else {}


async def answer_messages(client, question: str, answer) -> list[Outgoing]:
    """The rendered answer, logged for feedback under this request's id, with 👍/👎 on its last message."""
    rid = request_id.get()
    await client.run_blocking(client.service.log_answer, rid, question, answer)
    messages = render_answer(question, answer, client.service.source_names())
    messages[-1].view = feedback_view(rid)
    return messages
