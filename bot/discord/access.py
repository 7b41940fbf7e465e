"""Who may do what, checked when the command runs (not only through Discord's default permissions):
admins (a configured role, Manage Server, or the guild owner), per-user cooldowns, and an
optional channel allow-list."""
from __future__ import annotations

import math
import time
from typing import Any

import discord
from discord import app_commands

from retrieval.settings import Settings


class AccessDenied(app_commands.CheckFailure):
    """A run-time check said no; `user_message` is shown to the user (ephemeral)."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


def is_admin(user: discord.abc.User | discord.Member, settings: Settings) -> bool:
    """True for the guild owner, members with Manage Server, or holders of ANALYST_ADMIN_ROLE
    (matched by role id or by name, case-insensitively)."""
    if not isinstance(user, discord.Member):
        return False  # DMs: no guild, no admin
    if user.guild.owner_id == user.id or user.guild_permissions.manage_guild:
        return True
    wanted = (settings.admin_role or "").strip()
    if not wanted:
        return False
    return any(str(r.id) == wanted or r.name.lower() == wanted.lower() for r in user.roles)


def require_admin(settings: Settings, user: Any, what: str = "do that") -> None:
    if not is_admin(user, settings):
        role = f"the `{settings.admin_role}` role or " if settings.admin_role else ""
        raise AccessDenied(f"You need {role}the Manage Server permission to {what}.")


def channel_allowed(channel: Any, settings: Settings) -> bool:
    """With ANALYST_ALLOWED_CHANNELS set, only those channels (and threads under them)."""
    allowed = set(settings.allowed_channels)
    if not allowed or channel is None:
        return not allowed
    if getattr(channel, "id", None) in allowed:
        return True
    return getattr(channel, "parent_id", None) in allowed


class Cooldowns:
    """One use per `seconds` per user per bucket (e.g. "ask", "compare")."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[tuple[str, int], float] = {}

    def retry_after(self, bucket: str, user_id: int) -> float:
        """0 if the user may go now (and records the use), else the seconds left to wait."""
        if self.seconds <= 0:
            return 0.0
        now = time.monotonic()
        key = (bucket, user_id)
        last = self._last.get(key)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[key] = now
        if len(self._last) > 10_000:
            self._prune(now)
        return 0.0

    def hit(self, bucket: str, user_id: int) -> None:
        """Raise AccessDenied while the user is cooling down."""
        left = self.retry_after(bucket, user_id)
        if left > 0:
            raise AccessDenied(f"Slow down: try again in {math.ceil(left)} s.")

    def _prune(self, now: float) -> None:
        self._last = {k: t for k, t in self._last.items() if now - t < self.seconds}


def cooldown(bucket: str):
    """An app-command check applying the bot's per-user cooldown for `bucket`."""

    async def predicate(interaction: discord.Interaction) -> bool:
        interaction.client.cooldowns.hit(bucket, interaction.user.id)
        return True

    return app_commands.check(predicate)


def admin_only(what: str):
    """An app-command check: admin per `is_admin`, evaluated on every invocation."""

    async def predicate(interaction: discord.Interaction) -> bool:
        require_admin(interaction.client.settings, interaction.user, what)
        return True

    return app_commands.check(predicate)
