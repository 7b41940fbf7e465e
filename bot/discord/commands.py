"""Slash commands. Each is small: check cheap things (sources, access) before deferring, defer,
run the service off the event loop (`client.run_blocking`, the bot's own thread pool), render, send.

Replies: the "thinking…" state is ephemeral, so any error after deferring can still reach the
user privately (by editing that ephemeral original); results meant for the channel are then posted
as public follow-ups and the ephemeral placeholder is deleted."""
from __future__ import annotations

import logging
import uuid
from pathlib import PurePath
from typing import Optional

import discord
from discord import app_commands

from bot.commands import MAX_QUESTION, commands_for
from bot.discord import feeds
from bot.discord.access import AccessDenied, require_admin
from bot.discord.render import Outgoing, fit, plain, render_report, render_sources
from bot.discord.render_compare import render_compare
from bot.discord.render_disputes import render_contradictions, render_disputes
from bot.discord.reply import NONE, answer_messages, deliver, thinking
from bot.discord.slash import help_embed, slash_command
from bot.discord.stream import stream_reply
from retrieval.corpus.loader import EXTENSIONS
from retrieval.errors import AnalystError, UsageError
from retrieval.urls import safe_url

log = logging.getLogger(__name__)
UPLOAD_EXTENSIONS = tuple(sorted(EXTENSIONS))
MAX_LISTED = 20


# ---- helpers ---------------------------------------------------------------------------------
def check_question(question: str) -> str:
    """The question, stripped; UsageError when empty or longer than the one limit every route shares."""
    question = (question or "").strip()
    if not question:
        raise UsageError("The question is empty.", hints={"discord": "Ask something after the command."})
    if len(question) > MAX_QUESTION:
        raise UsageError(f"Questions are limited to {MAX_QUESTION} characters (this one has {len(question)}).")
    return question


def error_text(error: BaseException) -> tuple[str, bool]:
    """(what the user sees, whether it was expected). Unexpected ones get an id to find in the log."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, AccessDenied):
        return error.user_message, True
    if isinstance(error, AnalystError):
        return error.for_front("discord"), True
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
    text = plain(text, 1900)
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


# ---- commands: one handler per row of the command table that Discord offers ----------------------
async def ask(interaction: discord.Interaction, question: str, source: Optional[str] = None) -> None:
    service = interaction.client.service
    sources = [service.resolve_source(source)] if source else []
    question = check_question(question)
    await thinking(interaction)
    await stream_reply(interaction, question,
                       lambda on_token: interaction.client.run_blocking(service.ask, question, sources, (), on_token),
                       lambda answer: answer_messages(interaction.client, question, answer))


async def compare(interaction: discord.Interaction, a: str, b: str, topic: Optional[str] = None,
                  since: Optional[str] = None) -> None:
    """The briefing's first page (one embed, a plain-text line) with buttons for the rest."""
    from bot.discord.paging import ComparePager

    service = interaction.client.service
    service.resolve_source(a), service.resolve_source(b)  # fail fast, privately, on unknown names
    await thinking(interaction)
    result = await interaction.client.run_blocking(service.compare, a, b, topic, since)
    names = service.source_names()
    [first] = render_compare(result, names)
    if not first.embeds:
        await deliver(interaction, [first], public=True)
        return
    pager = ComparePager(result, names)
    await interaction.edit_original_response(content="Posting…")
    pager.message = await interaction.followup.send(content=first.content, embeds=first.embeds, view=pager,
                                                    allowed_mentions=NONE, wait=True)
    await interaction.delete_original_response()


async def contradictions(interaction: discord.Interaction, status: str = "new") -> None:
    service = interaction.client.service
    await thinking(interaction)
    items = await interaction.client.run_blocking(service.contradictions, status)
    more = f" (showing {MAX_LISTED})" if len(items) > MAX_LISTED else ""
    disputes = len({c.dispute for c in items if c.dispute})
    grouped = f" in {disputes} dispute(s), strongest first" if disputes else ""
    heading = (f"{len(items)} {status} contradiction(s){grouped}{more}." if items
               else f"No {status} contradictions.")
    await deliver(interaction, render_contradictions(items[:MAX_LISTED], service.source_names(), heading),
                  public=True)


async def disputes(interaction: discord.Interaction, status: str = "new", id: Optional[str] = None) -> None:
    service = interaction.client.service
    await thinking(interaction)
    if id:  # one dispute, as the digest names it
        one = await interaction.client.run_blocking(service.dispute, id)
        heading = f"Dispute `{one.id}` ({one.status})."
        await deliver(interaction, render_disputes([one], service.source_names(), heading), public=True)
        return
    items = await interaction.client.run_blocking(service.disputes, status)
    more = f" (showing {MAX_LISTED})" if len(items) > MAX_LISTED else ""
    label = "" if status == "all" else f"{status} "
    heading = (f"{len(items)} {label}dispute(s), strongest first{more}." if items
               else f"No {label}disputes.")
    if status == "possible" and items:
        heading += (f" These are below the digest's confidence bar "
                    f"({interaction.client.settings.digest_min_confidence:.2f}): not posted unless "
                    f"more independent statements back them.")
    await deliver(interaction, render_disputes(items[:MAX_LISTED], service.source_names(), heading), public=True)


async def sources(interaction: discord.Interaction) -> None:
    await thinking(interaction)
    infos = await interaction.client.run_blocking(interaction.client.service.sources)
    await deliver(interaction, render_sources(infos), public=True)


async def digest(interaction: discord.Interaction, post: bool = False) -> None:
    """Preview the digest (anyone, privately); with `post`, admins post it to the digest channel now."""
    from bot.discord.digest import post_digest, preview_messages

    client = interaction.client
    if not post:
        await thinking(interaction)
        await deliver(interaction, await preview_messages(client), public=False)
        return
    require_admin(client.settings, interaction.user, "post the digest")
    if client.settings.digest_channel_id is None:
        raise AccessDenied("No digest channel is configured (ANALYST_DIGEST_CHANNEL_ID).")
    await thinking(interaction)
    done = await post_digest(client)
    where = f"<#{client.settings.digest_channel_id}>"
    text = (f"Posted {done.items} dispute(s) to {where}." if done.items else
            f"No new dispute to post; the digest's heading (new evidence, possible disputes) went to {where}."
            if done.heading_only else f"Nothing new to post to {where}.")
    log.info("/digest post by %s: %d posted", interaction.user.id, done.items)
    await deliver(interaction, [Outgoing(content=text)], public=False)


async def ingest(interaction: discord.Interaction, file: Optional[discord.Attachment] = None,
                 text: Optional[str] = None, url: Optional[str] = None, name: Optional[str] = None,
                 source: Optional[str] = None) -> None:
    service = interaction.client.service
    source_id = service.resolve_source(source) if source else None
    if url is not None:
        await ingest_url(interaction, url, source_id, other_input=file is not None or text is not None)
        return
    filename = upload_name(file, text, name, interaction.client.settings.max_upload_bytes)
    await thinking(interaction)
    data = await file.read() if file is not None else text.encode("utf-8")
    check_size(len(data), interaction.client.settings.max_upload_bytes)
    log.info("/ingest %s (%d bytes) by %s", filename, len(data), interaction.user.id)
    report = await interaction.client.run_blocking(service.ingest, filename, data, source_id)
    await deliver(interaction, [Outgoing(content=render_report(report, filename))], public=False)


async def ingest_url(interaction: discord.Interaction, url: str, source_id: Optional[str], *,
                     other_input: bool) -> None:
    """/ingest url:… — fetch one page (the fetcher's address checks apply), store its article, index it."""
    if other_input:
        raise AccessDenied("Attach a file, paste text or give a URL (one of them).")
    await thinking(interaction)
    log.info("/ingest url %s by %s", safe_url(url), interaction.user.id)
    report, path = await interaction.client.run_blocking(interaction.client.service.ingest_url, url.strip(),
                                                         source_id)
    await deliver(interaction, [Outgoing(content=render_report(report, path.name))], public=False)


async def sources_add(interaction: discord.Interaction, id: str, name: Optional[str] = None,
                      aliases: Optional[str] = None, feed: Optional[str] = None) -> None:
    service = interaction.client.service
    await thinking(interaction)
    names = [a.strip() for a in (aliases or "").split(",") if a.strip()]
    log.info("/sources-add %s by %s", id, interaction.user.id)
    info = await interaction.client.run_blocking(service.add_source, id.strip(), name, names,
                                                 [feed.strip()] if feed else [])
    feeds = ", ".join(safe_url(u) for u in service.feed_urls(info.id))
    text = (f"Saved source {info.id}: {info.name} ({len(info.aliases)} alias(es)"
            f"{'; feeds: ' + feeds if feeds else ''}).")
    await deliver(interaction, [Outgoing(content=fit(text, 1900))], public=False)


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


async def dismiss(interaction: discord.Interaction, id: str) -> None:
    from bot.discord.digest import mark_post_dismissed
    from bot.discord.dismiss import dismissal_text

    await thinking(interaction)
    result = await interaction.client.run_blocking(interaction.client.service.dismiss, id.strip())
    who = getattr(interaction.user, "display_name", None) or interaction.user.name
    text = dismissal_text(result)
    if not result.already and await mark_post_dismissed(interaction.client, result, who):
        text += " Its digest post is marked dismissed."
    await deliver(interaction, [Outgoing(content=text)], public=False)


async def sync(interaction: discord.Interaction, scope: str = "guild") -> None:
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


async def help(interaction: discord.Interaction) -> None:
    embed = help_embed(interaction.client.settings.message_content)
    await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NONE)


HANDLERS = {"ask": ask, "compare": compare, "contradictions": contradictions, "disputes": disputes,
            "sources": sources, "digest": digest, "ingest": ingest, "dismiss": dismiss, "sync": sync, "help": help,
            "sources-add": sources_add, "feeds": feeds.feeds, "fetch": feeds.fetch}


def build_commands(settings) -> list[app_commands.Command]:
    """The slash commands, built from the command table (names, descriptions, options, choices,
    length limits, autocomplete, checks). Admin commands are hidden by default from members without
    Manage Server unless an admin role is configured (whose holders must see them); either way the
    admin check runs on every invocation."""
    cmds = []
    for spec in commands_for("discord"):
        cmd = slash_command(spec, HANDLERS[spec.name])
        cmd.guild_only = True  # roles, permissions and the channel allow-list need a server
        if spec.admin:
            cmd.default_permissions = None if settings.admin_role else discord.Permissions(manage_guild=True)
        if spec.name == "sync":
            cmd.default_permissions = discord.Permissions(administrator=True)
        cmds.append(cmd)
    return cmds
