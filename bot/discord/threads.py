"""Mention → thread conversations.

Mentioning the bot with a question in an allowed channel opens a thread on that message and answers
there. In that thread, a follow-up is answered with the earlier turns of the thread passed to the
service as history.

By default the bot asks for no privileged intent, and Discord then delivers the text of a message
only when it mentions the bot (or replies to it): follow-ups need a mention. With
ANALYST_MESSAGE_CONTENT=true (and the Message Content intent enabled in the Developer Portal) every
message in the bot's own threads is delivered with its text and answered without a mention."""
from __future__ import annotations

import logging
import math
import re

import discord

from bot.commands import MAX_QUESTION
from bot.logs import new_request_id

from bot.discord.access import channel_allowed
from bot.discord.render import fit, plain
from bot.discord.reply import answer_messages
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


def _own_thread(bot: discord.Client, channel) -> bool:
    return isinstance(channel, discord.Thread) and channel.owner_id == bot.user.id


async def on_message(bot, message: discord.Message) -> None:
    if message.author.bot or bot.user is None or message.guild is None:
        return
    channel = message.channel
    own_thread = _own_thread(bot, channel)
    follow_up = own_thread and bot.settings.message_content and bool((message.content or "").strip())
    if not (follow_up or _addressed(bot, message)) or not channel_allowed(channel, bot.settings):
        return
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
        messages = await answer_messages(bot, question, answer)
    except AnalystError as exc:
        await thread.send(plain(exc.for_front("discord"), 1900), allowed_mentions=NONE)
        return
    except Exception:
        log.exception("mention answer failed in thread %s", thread.id)
        await thread.send("Something went wrong; the details are in the bot's log.", allowed_mentions=NONE)
        return
    for m in messages:
        kw = {"view": m.view} if m.view is not None else {}
        await thread.send(content=m.content or None, embeds=m.embeds, allowed_mentions=NONE, **kw)
    if answer.grounded:
        await bot.run_blocking(bot.service.remember, str(thread.id), question, answer.answer)
