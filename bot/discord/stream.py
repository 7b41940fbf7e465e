"""Streaming an answer into Discord, as llmcord does: the public reply appears with the first tokens and
is edited as more arrive (at most one edit per `interval`, well inside Discord's rate limits); when the
answer is complete the same message becomes the rendered answer with its citations. If the answer
fails midway, the partial text is replaced by a clear note, never left standing as if it were an answer.

The service runs in the bot's thread pool and reports tokens through `on_token` from that thread; the
tokens are handed to the event loop, where one pump task coalesces them into edits."""
from __future__ import annotations

import asyncio
import inspect
import contextlib
import logging
import time
from typing import Awaitable, Callable, Sequence

import discord

from bot.discord.render import DESCRIPTION, TITLE, Outgoing, fit, safe
from bot.discord.reply import NONE, deliver, view_of

log = logging.getLogger(__name__)
EDIT_INTERVAL_S = 1.0
CURSOR = " ▌"
WRITING = "Writing the answer… citations follow when it is complete."
FAILED = "This answer could not be completed, so nothing of it is shown; the reason was sent to the asker."
GREY = 0x95A5A6


def partial_embed(question: str, text: str) -> discord.Embed:
    body = fit(safe(text.strip()), DESCRIPTION - len(CURSOR) - 1) + CURSOR
    embed = discord.Embed(title=fit("Q: " + question, TITLE), description=body, color=GREY)
    embed.set_footer(text=WRITING)
    return embed


class AnswerStream:
    """One streamed reply to a deferred interaction (after `thinking()`). As in llmcord, an edit is made
    when a token arrives and the last edit is at least `interval` old; no timer runs, and the final
    render replaces whatever partial text was last shown."""

    def __init__(self, interaction: discord.Interaction, question: str, interval: float | None = None) -> None:
        self.interaction = interaction
        self.question = question
        self.interval = EDIT_INTERVAL_S if interval is None else interval
        self.loop = asyncio.get_running_loop()
        self.parts: list[str] = []
        self.message: discord.WebhookMessage | None = None
        self.edits = 0
        self._last = float("-inf")
        self._task: asyncio.Task | None = None
        self._closed = False

    # called from the service's worker thread
    def on_token(self, token: str) -> None:
        self.loop.call_soon_threadsafe(self._push, token)

    def _push(self, token: str) -> None:
        self.parts.append(token)
        busy = self._task is not None and not self._task.done()
        if self._closed or busy or time.monotonic() - self._last < self.interval:
            return
        self._last = time.monotonic()
        self._task = asyncio.create_task(self._show())

    async def __aenter__(self) -> "AnswerStream":
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        await self._stop()
        if exc is not None and self.message is not None:
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(content=FAILED, embeds=[], allowed_mentions=NONE)

    async def _stop(self) -> None:
        self._closed = True
        if self._task is not None:
            await self._task  # an edit under way completes: no message is half created

    async def _show(self) -> None:
        embed = partial_embed(self.question, "".join(self.parts))
        try:
            if self.message is None:
                # completes the ephemeral "thinking…" original, so the reply below is a public message
                await self.interaction.edit_original_response(content="Posting…")
                self.message = await self.interaction.followup.send(embed=embed, allowed_mentions=NONE,
                                                                    wait=True)
            else:
                await self.message.edit(embed=embed, allowed_mentions=NONE)
                self.edits += 1
        except discord.HTTPException:
            log.warning("streaming edit failed; the final answer will still be posted", exc_info=True)

    async def finish(self, messages: Sequence[Outgoing]) -> None:
        """Replace the partial reply with the rendered answer (and any further messages it needs)."""
        await self._stop()
        if self.message is None:  # nothing was streamed: a plain public reply
            await deliver(self.interaction, messages, public=True)
            return
        messages = [m for m in messages if m.content or m.embeds] or [Outgoing(content="(nothing)")]
        first, *rest = messages
        await self.message.edit(content=first.content or None, embeds=first.embeds, allowed_mentions=NONE,
                                **view_of(first))
        for m in rest:
            await self.interaction.followup.send(content=m.content or None, embeds=m.embeds,
                                                 allowed_mentions=NONE, **view_of(m))
        await self.interaction.delete_original_response()


async def stream_reply(interaction: discord.Interaction, question: str,
                       produce: Callable[[Callable[[str], None]], Awaitable],
                       render: Callable[[object], Sequence[Outgoing] | Awaitable[Sequence[Outgoing]]],
                       interval: float | None = None) -> None:
    """`produce(on_token)` the result while streaming its tokens, then post `render(result)`."""
    async with AnswerStream(interaction, question, interval) as stream:
        result = await produce(stream.on_token)
        messages = render(result)
        if inspect.isawaitable(messages):
            messages = await messages
        await stream.finish(messages)
