"""Run-time access checks: the admin role / Manage Server for /ingest and /dismiss, upload limits,
per-user cooldowns and the channel allow-list; bot output never pings."""
from __future__ import annotations

import discord

from tests.discord.conftest import public_messages, record_contradictions

DOC = b"""---
source: kremlin
title: "Kremlin readout on grain corridor"
date: 2025-04-02
---
The Kremlin said the Zanzibar grain corridor talks would resume in Istanbul on Friday.
"""


async def test_ingest_refused_without_the_role(world):
    before = world.bot.service.store.count() if hasattr(world.bot.service.store, "count") else None
    result = await world.alice.slash(world.channel, "ingest", file=("readout.md", DOC))

    assert result.ephemeral
    assert "Analyst Admin" in result.response.content and "Manage Server" in result.response.content
    assert not list(world.bot.settings.corpus_dir.rglob("readout.md"))
    if before is not None:
        assert world.bot.service.store.count() == before
    assert world.env.errors  # refused through the check, reported by the global handler


async def test_ingest_accepted_with_the_role_and_indexed(world):
    result = await world.admin.slash(world.channel, "ingest", file=("readout.md", DOC))

    assert result.ephemeral
    text = result.response.content
    assert "readout.md" in text and "1 added" in text, text
    assert list(world.bot.settings.corpus_dir.rglob("readout.md"))
    hits = world.bot.service.search("Zanzibar grain corridor")
    assert hits and "Zanzibar" in hits[0].passage.text


async def test_manage_server_permission_also_counts_as_admin(world):
    mods = world.guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = world.guild.add_member(world.env.create_user("mod"), roles=[mods])
    result = await mod.slash(world.channel, "ingest", text="The Kremlin said talks resume on Friday.",
                             name="note.txt", source="Kremlin")
    assert "1 added" in result.response.content, result.response.content


async def test_upload_type_and_size_are_limited(world):
    r1 = await world.admin.slash(world.channel, "ingest", file=("payload.exe", b"MZ\x00\x01"))
    assert r1.ephemeral and "Only .htm, .html, .markdown, .md, .txt files can be added" in r1.response.content

    world.bot.settings.max_upload_bytes = 100
    r2 = await world.admin.slash(world.channel, "ingest", file=("big.md", b"x" * 101))
    assert r2.ephemeral and "too large" in r2.response.content
    assert not list(world.bot.settings.corpus_dir.rglob("big.md"))
    assert not list(world.bot.settings.corpus_dir.rglob("payload.exe"))
    assert len(world.env.errors) == 2


async def test_dismiss_is_admin_only(world):
    [cid] = record_contradictions(world.bot.service, 1)
    r1 = await world.alice.slash(world.channel, "dismiss", id=cid)
    assert r1.ephemeral and "Manage Server" in r1.response.content
    assert world.bot.service.ledger.get(cid).status == "new"

    r2 = await world.admin.slash(world.channel, "dismiss", id=cid)
    assert r2.ephemeral and f"Dismissed `{cid}`" in r2.response.content
    assert world.bot.service.ledger.get(cid).status == "dismissed"

    r3 = await world.admin.slash(world.channel, "dismiss", id="doesnotexist")
    assert r3.ephemeral and "Something went wrong" not in r3.response.content
    world.env.errors  # acknowledge the refusals


async def test_per_user_cooldown(world):
    world.bot.cooldowns.seconds = 30
    first = await world.alice.slash(world.channel, "ask", question="What did Zelenskyy say?")
    assert first.followups
    second = await world.alice.slash(world.channel, "ask", question="And Witkoff?")
    assert second.ephemeral and "Slow down" in second.response.content
    other = await world.admin.slash(world.channel, "ask", question="And Witkoff?")
    assert other.followups  # per user, not global
    await world.env.advance_time(31)
    third = await world.alice.slash(world.channel, "ask", question="And Witkoff?")
    assert third.followups
    world.env.errors


async def test_channel_allow_list(world):
    world.bot.settings.allowed_channels = [world.digest.id]
    result = await world.alice.slash(world.channel, "sources")
    assert result.ephemeral and "isn't enabled in this channel" in result.response.content
    assert not public_messages(world.channel)
    ok = await world.alice.slash(world.digest, "sources")
    assert ok.followups
    world.env.errors


async def test_document_text_cannot_ping_or_smuggle_links(world):
    evil = (b"---\nsource: news\ntitle: \"@everyone read this\"\ndate: 2025-04-03\n---\n"
            b"Kremlin statement on the Zanzibar ceasefire: @everyone <@&123> [click](https://evil.example) "
            b"</ingest:1> **bold** # heading\n")
    (world.bot.settings.corpus_dir / "evil.md").write_bytes(evil)
    assert world.bot.service.index().added == 1
    result = await world.alice.slash(world.channel, "ask", question="Zanzibar ceasefire statement")
    [msg] = result.followups
    m = msg.message
    assert not m.mention_everyone and not m.role_mentions and not m.mentions
    rendered = " ".join([e.description or "" for e in m.embeds] + [f.name + f.value for e in m.embeds for f in e.fields])
    assert "Zanzibar" in rendered
    assert "@everyone" not in rendered and "<@&" not in rendered and "](" not in rendered
    assert "</ingest" not in rendered and "**bold**" not in rendered
