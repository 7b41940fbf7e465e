"""Mention → thread conversations.

Mentioning the bot with a question in an allowed channel opens a thread on that message and answers
there. In that thread, a follow-up that mentions the bot (or replies to one of its messages) is
answered with the earlier turns of the thread passed to the service as history.

The bot asks for no privileged intent: Discord delivers the text of a message only when it mentions
the bot (or replies to it), which is exactly what this needs."""
from __future__ import annotations

import asyncio
import logging
import math
import re
from collections import OrderedDict, deque

import discord

from bot.logs import new_request_id

from bot.discord.access import channel_allowed
from bot.discord.render import fit, render_answer
from retrieval.errors import AnalystError

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()
MAX_TURNS = 6


class ThreadMemory:
    """The last few (question, answer) turns per thread, for the most recent threads."""

    def __init__(self, max_threads: int = 500, max_turns: int = MAX_TURNS) -> None:
        self._turns: OrderedDict[int, deque[tuple[str, str]]] = OrderedDict()
        self.max_threads, self.max_turns = max_threads, max_turns

    def history(self, thread_id: int) -> list[tuple[str, str]]:
        return list(self._turns.get(thread_id, ()))

    def add(self, thread_id: int, question: str, answer: str) -> None:
        turns = self._turns.setdefault(thread_id, deque(maxlen=self.max_turns))
        turns.append((question, answer))
        self._turns.move_to_end(thread_id)
        while len(self._turns) > self.max_threads:
            self._turns.popitem(last=False)


def question_text(message: discord.Message, bot_id: int) -> str:
    """The message text without the bot's mention(s)."""
    return re.sub(rf"<@!?{bot_id}>", " ", message.content or "").strip()


def _addressed(bot: discord.Client, message: discord.Message) -> bool:
    """Mentioned directly (not through @everyone or a role), or a reply to the bot."""
    if any(u.id == bot.user.id for u in message.mentions):
        return True
    ref = message.reference.resolved if message.reference else None
    return isinstance(ref, discord.Message) and ref.author.id == bot.user.id


async def on_message(bot, message: discord.Message) -> None:
    if message.author.bot or bot.user is None or message.guild is None:
        return
    if not _addressed(bot, message) or not channel_allowed(message.channel, bot.settings):
        return
    channel = message.channel
    own_thread = isinstance(channel, discord.Thread) and channel.owner_id == bot.user.id
    if not own_thread and not isinstance(channel, discord.TextChannel):
        return
    question = question_text(message, bot.user.id)
    if not question:
        await message.reply("Ask me a question after the mention.", allowed_mentions=NONE)
        return
    left = bot.cooldowns.retry_after("ask", message.author.id)
    if left > 0:
        await message.reply(f"Slow down: try again in {math.ceil(left)} s.", allowed_mentions=NONE)
        return
    if own_thread:
        thread = channel
    else:
        thread = await message.create_thread(name=fit(question, 90) or "Question", auto_archive_duration=1440)
    await answer_in_thread(bot, thread, question)


async def answer_in_thread(bot, thread: discord.Thread, question: str) -> None:
    new_request_id()
    history = bot.memory.history(thread.id)
    try:
        answer = await bot.run_blocking(bot.service.ask, question, (), history)
    except AnalystError as exc:
        await thread.send(fit(f"{exc.user_message} {exc.hint}".strip(), 1900), allowed_mentions=NONE)
        return
    except Exception:
        log.exception("mention answer failed in thread %s", thread.id)
        await thread.send("Something went wrong; the details are in the bot's log.", allowed_mentions=NONE)
        return
    names = {s.id: s.name for s in bot.service.registry.all()}
    for m in render_answer(question, answer, names):
        await thread.send(content=m.content or None, embeds=m.embeds, allowed_mentions=NONE)
    bot.memory.add(thread.id, question, answer.answer)
