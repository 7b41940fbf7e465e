"""Slash commands. Each is small: check cheap things (sources, access) before deferring, defer,
run the service off the event loop (`client.run_blocking`, the bot's own thread pool), render, send.

Replies: the "thinking…" state is ephemeral, so any error after deferring can still reach the
user privately (by editing that ephemeral original); results meant for the channel are then posted
as public follow-ups and the ephemeral placeholder is deleted."""
from __future__ import annotations

import copy
import logging
import uuid
from pathlib import PurePath
from typing import Literal, Optional, Sequence

import discord
from discord import app_commands

from bot.discord.access import AccessDenied, admin_only, cooldown
from bot.discord.render import (
    Outgoing, fit, render_answer, render_compare, render_contradictions, render_report, render_sources,
)
from retrieval.errors import AnalystError

log = logging.getLogger(__name__)
NONE = discord.AllowedMentions.none()
UPLOAD_EXTENSIONS = (".md", ".txt", ".html")
MAX_LISTED = 20
Status = Literal["new", "posted", "dismissed", "retired"]


# ---- helpers ---------------------------------------------------------------------------------
def names(service) -> dict[str, str]:
    return {s.id: s.name for s in service.registry.all()}


async def source_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Sources whose id, name or alias contains what was typed so far."""
    hits = interaction.client.service.registry.search(current or "")
    return [app_commands.Choice(name=f"{s.name} ({s.id})"[:100], value=s.id) for s in hits[:25]]


async def thinking(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)


async def deliver(interaction: discord.Interaction, messages: Sequence[Outgoing], *, public: bool) -> None:
    """Send rendered messages after `thinking()`: publicly as follow-ups, or privately."""
    messages = [m for m in messages if m.content or m.embeds] or [Outgoing(content="(nothing)")]
    if not public:
        first, *rest = messages
        await interaction.edit_original_response(content=first.content or None, embeds=first.embeds,
                                                 allowed_mentions=NONE)
        for m in rest:
            await interaction.followup.send(content=m.content or None, embeds=m.embeds,
                                            ephemeral=True, allowed_mentions=NONE)
        return
    await interaction.edit_original_response(content="Posting…")  # completes the ephemeral original
    for m in messages:
        await interaction.followup.send(content=m.content or None, embeds=m.embeds, allowed_mentions=NONE)
    await interaction.delete_original_response()


def error_text(error: BaseException) -> tuple[str, bool]:
    """(what the user sees, whether it was expected). Unexpected ones get an id to find in the log."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, AccessDenied):
        return error.user_message, True
    if isinstance(error, AnalystError):
        return f"{error.user_message} {error.hint}".strip(), True
    if isinstance(error, app_commands.TransformerError):
        return f"Invalid value {str(error.value)[:50]!r}.", True
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here.", True
    return f"Something went wrong (error id {uuid.uuid4().hex[:8]}); the details are in the bot's log.", False


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Global app-command error handler: a short ephemeral message, details in the log."""
    text, expected = error_text(error)
    command = interaction.command.qualified_name if interaction.command else "?"
    if expected:
        log.info("/%s by %s refused: %s", command, interaction.user.id, text)
    else:
        log.error("/%s by %s failed (%s)", command, interaction.user.id, text, exc_info=error)
    text = fit(text, 1900)
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NONE)
        else:  # the original is the ephemeral "thinking…" message (or its completion)
            await interaction.edit_original_response(content=text, embeds=[], allowed_mentions=NONE)
    except discord.HTTPException:
        try:
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NONE)
        except discord.HTTPException:
            log.warning("could not report an error to %s", interaction.user.id, exc_info=True)


# ---- commands --------------------------------------------------------------------------------
@app_commands.command(name="ask")
@app_commands.describe(question="Your question about the indexed documents",
                       source="Only use statements by this speaker (optional)")
@app_commands.autocomplete(source=source_autocomplete)
@cooldown("ask")
async def ask(interaction: discord.Interaction, question: app_commands.Range[str, 1, 1000],
              source: Optional[str] = None) -> None:
    """Ask a question; the answer cites the passages it comes from."""
    service = interaction.client.service
    sources = [service.resolve_source(source)] if source else []
    await thinking(interaction)
    answer = await interaction.client.run_blocking(service.ask, question, sources)
    await deliver(interaction, render_answer(question, answer, names(service)), public=True)


@app_commands.command(name="compare")
@app_commands.describe(a="First source", b="Second source", topic="What to compare them on (optional)")
@app_commands.autocomplete(a=source_autocomplete, b=source_autocomplete)
@cooldown("compare")
async def compare(interaction: discord.Interaction, a: str, b: str,
                  topic: Optional[app_commands.Range[str, 1, 200]] = None) -> None:
    """Compare what two sources say: agreements, differences and contradictions."""
    service = interaction.client.service
    service.resolve_source(a), service.resolve_source(b)  # fail fast, privately, on unknown names
    await thinking(interaction)
    result = await interaction.client.run_blocking(service.compare, a, b, topic)
    await deliver(interaction, render_compare(result, names(service)), public=True)


@app_commands.command(name="contradictions")
@app_commands.describe(status="Which contradictions to list (default: new)")
async def contradictions(interaction: discord.Interaction, status: Status = "new") -> None:
    """List contradictions found between sources."""
    service = interaction.client.service
    await thinking(interaction)
    items = await interaction.client.run_blocking(service.contradictions, status)
    more = f" (showing {MAX_LISTED})" if len(items) > MAX_LISTED else ""
    heading = f"{len(items)} {status} contradiction(s){more}." if items else f"No {status} contradictions."
    await deliver(interaction, render_contradictions(items[:MAX_LISTED], names(service), heading), public=True)


@app_commands.command(name="sources")
async def sources(interaction: discord.Interaction) -> None:
    """List the sources, their aliases and how much of each is indexed."""
    await thinking(interaction)
    infos = await interaction.client.run_blocking(interaction.client.service.sources)
    await deliver(interaction, render_sources(infos), public=True)


@app_commands.command(name="digest")
async def digest(interaction: discord.Interaction) -> None:
    """Preview the contradiction digest now (only you see it; nothing is marked posted)."""
    from bot.discord.digest import preview_messages

    await interaction.response.defer(ephemeral=True, thinking=True)
    await deliver(interaction, await preview_messages(interaction.client), public=False)


@app_commands.command(name="ingest")
@app_commands.describe(file="A .md, .txt or .html document to add", text="Or paste the text to add",
                       name="File name for pasted text (e.g. statement.md)",
                       source="Publisher of the document (optional)")
@app_commands.autocomplete(source=source_autocomplete)
@admin_only("add documents")
async def ingest(interaction: discord.Interaction, file: Optional[discord.Attachment] = None,
                 text: Optional[app_commands.Range[str, 1, 4000]] = None,
                 name: Optional[app_commands.Range[str, 1, 100]] = None,
                 source: Optional[str] = None) -> None:
    """Add a document to the corpus and index it (admins only)."""
    service = interaction.client.service
    source_id = service.resolve_source(source) if source else None
    filename = upload_name(file, text, name, interaction.client.settings.max_upload_bytes)
    await interaction.response.defer(ephemeral=True, thinking=True)
    data = await file.read() if file is not None else text.encode("utf-8")
    check_size(len(data), interaction.client.settings.max_upload_bytes)
    log.info("/ingest %s (%d bytes) by %s", filename, len(data), interaction.user.id)
    report = await interaction.client.run_blocking(service.ingest, filename, data, source_id)
    await deliver(interaction, [Outgoing(content=render_report(report, filename))], public=False)


def upload_name(file: Optional[discord.Attachment], text: Optional[str], name: Optional[str],
                max_bytes: int) -> str:
    """The upload's file name after checking there is exactly one input of an allowed type/size."""
    if (file is None) == (text is None):
        raise AccessDenied("Attach a file or paste text (one of the two).")
    if file is not None:
        check_size(file.size, max_bytes)
        filename = file.filename
    else:
        filename = name or "pasted.md"
        if not PurePath(filename).suffix:
            filename += ".md"
    filename = PurePath(filename.replace("\\", "/")).name
    if not filename.lower().endswith(UPLOAD_EXTENSIONS) or filename.startswith("."):
        raise AccessDenied(f"Only {', '.join(UPLOAD_EXTENSIONS)} files can be added.")
    return filename


def check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise AccessDenied(f"That file is too large ({size:,} bytes; the limit is {max_bytes:,}).")


@app_commands.command(name="dismiss")
@app_commands.describe(id="The contradiction id (shown under each contradiction)")
@admin_only("dismiss contradictions")
async def dismiss(interaction: discord.Interaction, id: app_commands.Range[str, 1, 80]) -> None:
    """Dismiss a contradiction so it is not reported again (admins only)."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    await interaction.client.run_blocking(interaction.client.service.dismiss, id.strip())
    await deliver(interaction, [Outgoing(content=f"Dismissed `{fit(id.strip(), 80)}`.")], public=False)


@app_commands.command(name="sync")
@app_commands.describe(scope="guild: copy the commands to this server now; global: register everywhere")
@app_commands.default_permissions(administrator=True)
async def sync(interaction: discord.Interaction, scope: Literal["guild", "global"] = "guild") -> None:
    """Register the slash commands with Discord (bot owner only)."""
    client = interaction.client
    if not await client.is_owner(interaction.user):
        raise AccessDenied("Only the bot's owner can sync commands.")
    await interaction.response.defer(ephemeral=True, thinking=True)
    if scope == "global" or interaction.guild is None:
        synced = await client.tree.sync()
    else:
        client.tree.copy_global_to(guild=interaction.guild)
        synced = await client.tree.sync(guild=interaction.guild)
    await deliver(interaction, [Outgoing(content=f"Synced {len(synced)} command(s) ({scope}).")], public=False)


def build_commands(settings) -> list[app_commands.Command]:
    """The commands for one tree. Admin commands are hidden by default from members without
    Manage Server unless an admin role is configured (whose holders must be able to see them);
    either way `admin_only` checks every invocation."""
    cmds = [copy.copy(c) for c in (ask, compare, contradictions, sources, digest, ingest, dismiss, sync)]
    for cmd in cmds:
        cmd.guild_only = True  # roles, permissions and the channel allow-list need a server
        if cmd.name in ("ingest", "dismiss"):
            cmd.default_permissions = None if settings.admin_role else discord.Permissions(manage_guild=True)
    return cmds
