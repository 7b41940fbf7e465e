"""The contradiction digest: posted once, marked `posted` only after Discord accepted it, retried
after a failed send, not re-posted after a restart, silent on a day with nothing new; dismiss
buttons work across a restart and check permissions at run time."""
from __future__ import annotations

from bot import scheduler as jobs
from bot.discord.app import AnalystBot
from retrieval.service import Analyst
from tests.discord.conftest import embed_limits_ok, record_contradictions

CONFLICT = """---
source: zelenskyy
title: "Zelenskyy on the prisoner exchange"
date: 2025-03-20
---
Zelenskyy said 200 Russians and 200 Ukrainians will be released in the prisoner exchange.
"""


def statuses(service, ids):
    return [service.ledger.get(i).status for i in ids]


async def test_digest_posts_new_contradictions_once_then_stays_silent(world):
    service = world.bot.service
    ids = record_contradictions(service, 2)

    posted = await jobs.digest_job()  # what the scheduler runs
    await world.env.settle()

    assert posted == 2
    msgs = world.digest.history()
    assert len(msgs) >= 1
    assert msgs[0].content.startswith("Contradiction digest") and "2 new" in msgs[0].content
    embeds = [e for m in msgs for e in m.embeds]
    assert len(embeds) == 2
    for e in embeds:
        a, b = e.fields[0], e.fields[1]
        assert a.name.startswith("A ") and b.name.startswith("B ")  # both speakers and titles
        assert a.value.startswith("> ") and b.value.startswith("> ")  # both quotes
        assert "2025-03-19" in a.value  # dates
        assert "different accounts" in e.description  # the explanation
    for m in msgs:
        embed_limits_ok(m)
    custom_ids = [c.custom_id for m in msgs for row in m.components for c in row.children]
    assert sorted(custom_ids) == sorted(f"analyst:dismiss:{i}" for i in ids)
    assert statuses(service, ids) == ["posted", "posted"]

    assert await jobs.digest_job() == 0  # a day with nothing new: nothing is sent
    await world.env.settle()
    assert len(world.digest.history()) == len(msgs)


async def test_failed_send_is_retried_on_the_next_run_and_nothing_is_lost(world):
    service = world.bot.service
    ids = record_contradictions(service, 2)
    world.env.inject_error("POST", f"/channels/{world.digest.id}/messages", status=500, times=1)

    assert await jobs.digest_job() == 0
    await world.env.settle()
    assert world.digest.history() == []
    assert statuses(service, ids) == ["new", "new"]  # not marked: Discord did not accept it

    assert await jobs.digest_job() == 2
    await world.env.settle()
    assert len([e for m in world.digest.history() for e in m.embeds]) == 2
    assert statuses(service, ids) == ["posted", "posted"]


async def test_restart_does_not_repost_and_buttons_still_work(world, discord_settings):
    ids = record_contradictions(world.bot.service, 2)
    assert await jobs.digest_job() == 2
    await world.env.settle()
    before = world.digest.history()

    # A restart: a fresh service and bot on the same data directory.
    jobs.stop(world.bot.scheduler, world.bot)
    world.bot.service.close()
    service2 = Analyst(discord_settings)
    bot2 = AnalystBot(service2, discord_settings)
    await world.env.restart_bot(bot2)

    assert await jobs.digest_job() == 0
    await world.env.settle()
    assert [m.id for m in world.digest.history()] == [m.id for m in before]

    message = before[0]
    button = f"analyst:dismiss:{ids[0]}"
    refused = await world.alice.click(message, custom_id=button)
    assert refused.ephemeral and "Manage Server" in refused.response.content
    assert service2.ledger.get(ids[0]).status == "posted"

    ok = await world.admin.click(message, custom_id=button)  # handled by the new bot generation
    assert ok.ephemeral and f"Dismissed `{ids[0]}`" in ok.response.content
    assert service2.ledger.get(ids[0]).status == "dismissed"
    service2.close()


async def test_digest_preview_is_ephemeral_and_marks_nothing(world):
    ids = record_contradictions(world.bot.service, 1)
    result = await world.alice.slash(world.channel, "digest")
    assert result.ephemeral and "Digest preview" in result.response.content
    assert len(result.response.embeds) == 1
    assert statuses(world.bot.service, ids) == ["new"]
    assert world.digest.history() == [] and world.channel.history(viewer=world.admin) == []


async def test_document_dropped_into_corpus_leads_to_a_digest(world):
    (world.bot.settings.corpus_dir / "kremlin-exchange.md").write_text(CONFLICT, encoding="utf-8")

    await jobs.reindex_job()  # the interval job
    new = world.bot.service.contradictions("new")
    assert new, "the conflicting prisoner numbers are a new contradiction"
    assert await jobs.digest_job() == len(new)
    await world.env.settle()
    text = " ".join(f.value for m in world.digest.history() for e in m.embeds for f in e.fields)
    assert "200 Russians" in text and "175 Russians" in text


async def test_contradictions_command_lists_by_status(world):
    ids = record_contradictions(world.bot.service, 2)
    world.bot.service.dismiss(ids[1])
    new = await world.alice.slash(world.channel, "contradictions")
    [msg] = new.followups
    assert not msg.ephemeral and msg.content == "1 new contradiction(s)."
    assert ids[0] in msg.embeds[0].description and ids[1] not in msg.embeds[0].description
    dismissed = await world.alice.slash(world.channel, "contradictions", status="dismissed")
    assert ids[1] in dismissed.followups[0].embeds[0].description
    none = await world.alice.slash(world.channel, "contradictions", status="retired")
    assert none.followups[0].content == "No retired contradictions."
