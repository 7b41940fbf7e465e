"""Slash commands made from the command table: the handler is a plain coroutine, and the name,
description, option types, length limits, choices, autocomplete and checks come from its table row.

discord.py reads a command's options from its callback's signature; the callback built here carries
a signature made from the table, so Discord sees exactly what the table declares."""
from __future__ import annotations

import inspect
from typing import Any, Awaitable, Callable, Optional

import discord
from discord import app_commands

from bot.commands import Command, Option, commands_for
from bot.discord.access import admin_only, cooldown
from bot.discord.render import BLUE, fit, plain

Handler = Callable[..., Awaitable[None]]


def annotation(o: Option) -> Any:
    if o.kind == "file":
        base: Any = discord.Attachment
    elif o.kind == "flag":
        base = bool
    elif o.max_length:
        base = app_commands.Range[str, 1, o.max_length]
    else:
        base = str
    return base if o.required else Optional[base]


async def source_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Sources whose id, name or alias contains what was typed so far."""
    hits = interaction.client.service.find_sources(current or "")
    return [app_commands.Choice(name=f"{s.name} ({s.id})"[:100], value=s.id) for s in hits[:25]]


def _signature(options: list[Option]) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter("interaction", kind, annotation=discord.Interaction)]
    for o in sorted(options, key=lambda o: not o.required):
        default = inspect.Parameter.empty if o.required else (bool(o.default) if o.kind == "flag" else o.default)
        params.append(inspect.Parameter(o.name, kind, annotation=annotation(o), default=default))
    return inspect.Signature(params)


def slash_command(spec: Command, handler: Handler) -> app_commands.Command:
    options = list(spec.options_for("discord"))

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await handler(interaction, **values)

    callback.__signature__ = _signature(options)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = spec.name.replace("-", "_")
    if options:
        app_commands.describe(**{o.name: o.help for o in options})(callback)
    sources = {o.name: source_autocomplete for o in options if o.kind == "source"}
    if sources:
        app_commands.autocomplete(**sources)(callback)
    choices = {o.name: [app_commands.Choice(name=c, value=c) for c in o.choices] for o in options if o.choices}
    if choices:
        app_commands.choices(**choices)(callback)
    if spec.cooldown:
        cooldown(spec.name)(callback)
    if spec.admin:
        admin_only(f"use /{spec.name}")(callback)
    return app_commands.Command(name=spec.name, description=fit(spec.help, 100), callback=callback)


def discord_example(spec: Command) -> str:
    """The table's (terminal) example as typed in Discord: `ask What …` → `/ask question:What …`,
    `compare kremlin whitehouse --topic energy` → `/compare a:kremlin b:whitehouse topic:energy`."""
    words = spec.example.split()[1:]
    names = {o.name for o in spec.options_for("discord")}
    positional = [o for o in spec.options if o.positional]
    parts, rest = [f"/{spec.name}"], []
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith("--") and i + 1 < len(words):
            if w[2:] in names:
                parts.append(f"{w[2:]}:{words[i + 1]}")
            i += 2
            continue
        if w.split(":", 1)[0] in names:  # already written the Discord way (`name:value`)
            parts.append(w)
            i += 1
            continue
        rest.append(w)
        i += 1
    if positional and rest:
        many = positional[0].name == "question" or len(positional) == 1
        pairs = [(positional[0], " ".join(rest))] if many else list(zip(positional, rest))
        parts[1:1] = [f"{o.name if o.name in names else 'file'}:{v}" for o, v in pairs
                      if o.name in names or (o.positional and "file" in names)]
    return " ".join(parts)


def help_embed(follow_ups_without_mention: bool = False) -> discord.Embed:
    """/help: each command with its options and an example, from the table."""
    follow = ("follow-ups in that thread need no mention." if follow_ups_without_mention
              else "mention me again in that thread for a follow-up.")
    embed = discord.Embed(title="Analyst commands", color=BLUE,
                          description="Mention me with a question to get a cited answer in a thread; " + follow
                          + " Rate any answer with 👍/👎.")
    for spec in commands_for("discord"):
        opts = " ".join(f"`{o.name}`" if o.required else f"`[{o.name}]`" for o in spec.options_for("discord"))
        example = f"\ne.g. `{discord_example(spec)}`" if spec.example else ""
        admin = " (admins)" if spec.admin else ""
        embed.add_field(name=fit(f"/{spec.name}{admin}", 256), value=plain(f"{spec.help} {opts}{example}", 1024),
                        inline=False)
    return embed
