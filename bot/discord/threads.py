"""Mention → thread conversations.

Mentioning the bot with a question in an allowed channel opens a thread on that message and answers
there. In that thread, a follow-up that mentions the bot (or replies to one of its messages) is
answered with the earlier turns of the thread passed to the service as history.

The bot asks for no privileged intent: Discord delivers the text of a message only when it mentions
the bot (or replies to it), which is exactly what this needs."""
from __future__ import annotations

import logging
import math
import re

import discord

from bot.commands import MAX_QUESTION
from bot.logs import new_request_id

from bot.discord.access import channel_allowed
from bot.discord.render import fit, render_answer
from retrieval.errors import AnalystError

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()


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
    if len(question) > MAX_QUESTION:
        await message.reply(f"Questions are limited to {MAX_QUESTION} characters (this one has {len(question)}).",
                            allowed_mentions=NONE)
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
    history = await bot.run_blocking(bot.service.history, str(thread.id))
    try:
        answer = await bot.run_blocking(bot.service.ask, question, (), history)
    except AnalystError as exc:
        await thread.send(fit(f"{exc.user_message} {exc.hint}".strip(), 1900), allowed_mentions=NONE)
        return
    except Exception:
        log.exception("mention answer failed in thread %s", thread.id)
        await thread.send("Something went wrong; the details are in the bot's log.", allowed_mentions=NONE)
        return
    for m in render_answer(question, answer, bot.service.source_names()):
        await thread.send(content=m.content or None, embeds=m.embeds, allowed_mentions=NONE)
    if answer.grounded:
        await bot.run_blocking(bot.service.remember, str(thread.id), question, answer.answer)
