"""The Discord client: slash-command tree, mention threads, digest scheduler.

Command sync policy: at start, commands are synced to ANALYST_DEV_GUILD_ID when it is set (instant,
for development); global registration happens only through the owner's `/sync global` or
`analyst sync-commands`; nothing is synced in `on_ready` (which runs again on every reconnect)."""
from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

import discord
from discord import app_commands

from bot import scheduler as jobs
from bot.discord import threads
from bot.logs import new_request_id
from bot.discord.access import Cooldowns, channel_allowed
from bot.discord.commands import build_commands, report_error
from bot.discord.dismiss import DismissButton
from bot.discord.feedback import FeedbackButton
from retrieval.errors import AnalystError, BusyError

log = logging.getLogger(__name__)
T = TypeVar("T")


def intents(settings=None) -> discord.Intents:
    """Only what is used: guilds (channels, threads, roles) and guild messages (mentions); the
    privileged message content intent only when ANALYST_MESSAGE_CONTENT opts in (thread follow-ups
    without a mention)."""
    it = discord.Intents.none()
    it.guilds = True
    it.guild_messages = True
    it.message_content = bool(getattr(settings, "message_content", False))
    return it


class AnalystTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        new_request_id()  # runs in the interaction's own task: every log line of it carries the id
        if channel_allowed(interaction.channel, interaction.client.settings):
            return True
        if interaction.type is discord.InteractionType.autocomplete:
            return False
        await interaction.response.send_message(
            "Analyst isn't enabled in this channel.", ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none())
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)


class AnalystBot(discord.Client):
    def __init__(self, service, settings, *, scheduler: bool = True, sync_dev_guild: bool = True) -> None:
        super().__init__(intents=intents(settings), allowed_mentions=discord.AllowedMentions.none())
        self.service, self.settings = service, settings
        self.tree = AnalystTree(self)
        for cmd in build_commands(settings):
            self.tree.add_command(cmd)
        self.cooldowns = Cooldowns(settings.cooldown_s)
        self.digest_lock = asyncio.Lock()
        self.scheduler = None
        self._want_scheduler, self._sync_dev_guild = scheduler, sync_dev_guild
        # Service calls run in the bot's own pool, never the loop's default executor: that one is
        # discord.py's too (host name lookups when it reconnects), and calls waiting for a model
        # slot would fill it. At most `workers` run at once (more threads would fight the event
        # loop for the GIL); the others wait here, on the loop, as long as a call may wait for the
        # model, and are then told Analyst is busy: so every command ends within about two queue
        # timeouts plus its own work, however many arrive together.
        self.workers = settings.llm_max_concurrency + min(32, (os.cpu_count() or 1) + 4)
        self._executor: ThreadPoolExecutor | None = None
        self._slots = asyncio.Semaphore(self.workers)

    async def run_blocking(self, fn: Callable[..., T], /, *args: Any) -> T:
        """`fn(*args)` in the bot's thread pool (see __init__); BusyError if no thread frees up
        within ANALYST_LLM_QUEUE_TIMEOUT_S."""
        try:
            await asyncio.wait_for(self._slots.acquire(), self.settings.llm_queue_timeout_s)
        except TimeoutError:
            raise BusyError() from None
        try:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="analyst-service")
            call = functools.partial(contextvars.copy_context().run, fn, *args)
            return await asyncio.get_running_loop().run_in_executor(self._executor, call)
        finally:
            self._slots.release()

    async def setup_hook(self) -> None:
        self.add_dynamic_items(DismissButton, FeedbackButton)
        await asyncio.to_thread(self.service.source_names)  # load sources.yaml off the loop
        if self.settings.dev_guild_id and self._sync_dev_guild:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d command(s) to dev guild %s", len(synced), self.settings.dev_guild_id)
        if self._want_scheduler:
            self.scheduler = jobs.start(self, self.settings)

    async def on_ready(self) -> None:
        log.info("logged in as %s (%s)", self.user, getattr(self.user, "id", "?"))

    async def on_message(self, message: discord.Message) -> None:
        await threads.on_message(self, message)

    async def is_owner(self, user: discord.abc.User) -> bool:
        app = self.application or await self.application_info()
        if app.team:
            return any(m.id == user.id for m in app.team.members)
        return app.owner is not None and app.owner.id == user.id

    async def close(self) -> None:
        jobs.stop(self.scheduler, self)
        self.scheduler = None
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        await super().close()


# ---- entry points for the CLI ----------------------------------------------------------------
def command_schema(service) -> list[dict[str, Any]]:
    """The application commands exactly as they are registered with Discord (no connection)."""
    bot = AnalystBot(service, service.settings, scheduler=False, sync_dev_guild=False)
    return [cmd.to_dict(bot.tree) for cmd in bot.tree.get_commands()]


def _token(settings) -> str:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise AnalystError("DISCORD_TOKEN is not set.", hint="Put the bot token in DISCORD_TOKEN (or .env).")
    return token


def run_bot(service, settings) -> None:
    """`analyst bot`: run until interrupted. Logging is configured by the caller."""
    bot = AnalystBot(service, settings)
    bot.run(_token(settings), log_handler=None)


def sync_commands(service, settings, *, guild_id: int | None = None) -> list[str]:
    """`analyst sync-commands`: register the commands globally (or to `guild_id`) and return their
    names. Logs in over REST only; no gateway connection, no scheduler."""
    token = _token(settings)

    async def main() -> list[str]:
        bot = AnalystBot(service, settings, scheduler=False, sync_dev_guild=False)
        async with bot:
            await bot.login(token)
            guild = discord.Object(id=guild_id) if guild_id else None
            if guild is not None:
                bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
        log.info("synced %d command(s) %s", len(synced), f"to guild {guild_id}" if guild_id else "globally")
        return [c.name for c in synced]

    return asyncio.run(main())
