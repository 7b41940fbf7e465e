"""The dispute digest through simcord: one message per dispute with its own Dismiss button, marked
`posted` only after Discord accepted it, retried after a failed send, posted exactly once even when the
process dies between Discord accepting a message and the ledger recording it (reconciled from the
channel's markers), silent on a day with nothing new. Dismissing edits the post (marked dismissed,
button disabled), a second dismissal says it already was, and admins can post now with /digest post.
Disputes below the confidence bar are counted in the digest's heading, never posted."""
from __future__ import annotations

from bot import scheduler as jobs
from bot.discord.app import AnalystBot
from bot.discord.render_disputes import DIGEST_MARKER
from retrieval.service import Analyst
from tests.discord.conftest import POINTS, _claims, embed_limits_ok, public_messages, record_disputes

CONFLICT = """---
source: zelenskyy
title: "Zelenskyy on the prisoner exchange"
date: 2025-03-20
---
Zelenskyy said 200 Russians and 200 Ukrainians will be released in the prisoner exchange.
"""


def statuses(service, ids):
    return [service.dispute(i).status for i in ids]


def buttons(message):
    return [c for row in message.components for c in row.children]


async def restart(world, settings) -> Analyst:
    """A restart: a fresh service and bot on the same data directory."""
    jobs.stop(world.bot.scheduler, world.bot)
    world.bot.service.close()
    service = Analyst(settings)
    await world.env.restart_bot(AnalystBot(service, settings))
    return service


async def test_digest_posts_each_dispute_once_with_its_own_button_then_stays_silent(world):
    service = world.bot.service
    ids = record_disputes(service, 2)

    posted = await jobs.digest_job()  # what the scheduler runs
    await world.env.settle()

    assert posted == 2
    msgs = world.digest.history()
    assert len(msgs) == 2  # one message per dispute
    assert msgs[0].content.startswith("Dispute digest") and "2 new" in msgs[0].content
    for m, did in zip(msgs, ids):
        embed_limits_ok(m)
        [e] = m.embeds
        assert e.footer.text == DIGEST_MARKER + did  # the marker a restart reconciles by
        assert e.title.endswith("?")  # the headline
        assert "(independent pairs of statements agree on it)" in e.description  # why it is posted
        names = [f.name for f in e.fields]  # its two independent key pairs first, then the sides
        assert names == ["Point 1 · The Kremlin vs Volodymyr Zelenskyy", "Point 2 · The Kremlin vs Volodymyr Zelenskyy",
                         "Side 1 · The Kremlin", "Side 2 · Volodymyr Zelenskyy"]
        assert all(f.value.startswith("> ") for f in e.fields) and "2025-03-19" in e.fields[2].value
        assert "\n*against*\n> " in e.fields[0].value and e.fields[0].value != e.fields[1].value
        [button] = buttons(m)  # its own button, in the same message
        assert button.custom_id == f"analyst:dismiss:{did}" and not button.disabled
    assert statuses(service, ids) == ["posted", "posted"]
    assert {c.status for c in service.contradictions("all")} == {"posted"}

    assert await jobs.digest_job() == 0  # a day with nothing new: nothing is sent
    await world.env.settle()
    assert len(world.digest.history()) == 2


async def test_failed_send_is_retried_on_the_next_run_and_nothing_is_lost(world):
    service = world.bot.service
    ids = record_disputes(service, 2)
    world.env.inject_error("POST", f"/channels/{world.digest.id}/messages", status=500, times=1)

    assert await jobs.digest_job() == 0
    await world.env.settle()
    assert world.digest.history() == []
    assert statuses(service, ids) == ["new", "new"]  # not marked: Discord did not accept it

    assert await jobs.digest_job() == 2
    await world.env.settle()
    assert len(world.digest.history()) == 2
    assert statuses(service, ids) == ["posted", "posted"]


async def test_crash_between_send_and_record_posts_once(world, discord_settings, monkeypatch):
    service = world.bot.service
    ids = record_disputes(service, 2)
    # The process dies after Discord accepted the messages, before the ledger recorded them.
    monkeypatch.setattr(service, "mark_posted", lambda dispute_ids: [])
    assert await jobs.digest_job() == 2
    await world.env.settle()
    sent = [m.id for m in world.digest.history()]
    assert len(sent) == 2 and statuses(service, ids) == ["new", "new"]

    service2 = await restart(world, discord_settings)
    assert [d.id for d in service2.disputes("new")] == ids or set(d.id for d in service2.disputes("new")) == set(ids)
    assert await jobs.digest_job() == 0  # reconciled from the markers: nothing is posted again
    await world.env.settle()
    assert [m.id for m in world.digest.history()] == sent
    assert statuses(service2, ids) == ["posted", "posted"]

    record_disputes(service2, 3)  # a third point later: only it is posted
    assert await jobs.digest_job() == 1
    await world.env.settle()
    assert len(world.digest.history()) == 3
    service2.close()


async def test_dismissing_from_the_digest_edits_the_post_and_works_after_a_restart(world, discord_settings):
    ids = record_disputes(world.bot.service, 2)
    assert await jobs.digest_job() == 2
    await world.env.settle()
    before = world.digest.history()

    service2 = await restart(world, discord_settings)
    assert await jobs.digest_job() == 0
    await world.env.settle()
    assert [m.id for m in world.digest.history()] == [m.id for m in before]

    message = before[0]
    button = f"analyst:dismiss:{ids[0]}"
    refused = await world.alice.click(message, custom_id=button)
    assert refused.ephemeral and "Manage Server" in refused.response.content
    assert service2.dispute(ids[0]).status == "posted"

    ok = await world.admin.click(message, custom_id=button)  # handled by the new bot generation
    [reply] = ok.followups
    assert reply.ephemeral and f"Dismissed dispute `{ids[0]}`" in reply.content
    assert service2.dispute(ids[0]).status == "dismissed"
    assert {c.status for c in service2.contradictions("all") if c.dispute == ids[0]} == {"dismissed"}

    edited, other = world.digest.history()
    assert edited.id == message.id and edited.embeds[0].title.startswith("Dismissed: ")
    assert "dismissed" in edited.embeds[0].description and "Dismissed by" in edited.embeds[0].description
    assert edited.embeds[0].footer.text == DIGEST_MARKER + ids[0]
    [b] = buttons(edited)
    assert b.disabled and b.label == "Dismissed"
    assert not buttons(other)[0].disabled and not other.embeds[0].title.startswith("Dismissed")
    service2.close()


async def test_a_second_dismissal_says_it_already_was(world):
    service = world.bot.service
    first, second = record_disputes(service, 2)
    assert await jobs.digest_job() == 2
    await world.env.settle()
    message = world.digest.history()[0]

    service.dismiss(first)  # e.g. `analyst dismiss` on the command line: the post is not touched
    assert not buttons(world.digest.history()[0])[0].disabled
    again = await world.admin.click(message, custom_id=f"analyst:dismiss:{first}")
    assert "already dismissed" in again.followups[0].content
    edited = world.digest.history()[0]
    assert edited.embeds[0].title.startswith("Dismissed: ") and buttons(edited)[0].disabled  # in sync now

    by_command = await world.admin.slash(world.channel, "dismiss", id=second)
    assert f"Dismissed dispute `{second}`" in by_command.response.content
    assert "digest post is marked dismissed" in by_command.response.content
    assert buttons(world.digest.history()[1])[0].disabled  # /dismiss edits the post too
    twice = await world.admin.slash(world.channel, "dismiss", id=second)
    assert twice.ephemeral and "already dismissed" in twice.response.content


async def test_digest_post_now_is_for_admins_and_preview_stays_the_default(world):
    ids = record_disputes(world.bot.service, 2)
    preview = await world.alice.slash(world.channel, "digest")
    assert preview.ephemeral and "Digest preview" in preview.response.content
    assert len(preview.response.embeds) == 2
    assert statuses(world.bot.service, ids) == ["new", "new"]

    refused = await world.alice.slash(world.channel, "digest", post=True)
    assert refused.ephemeral and "Manage Server" in refused.response.content
    assert world.digest.history() == [] and statuses(world.bot.service, ids) == ["new", "new"]

    done = await world.admin.slash(world.channel, "digest", post=True)
    assert done.ephemeral and "Posted 2 dispute(s)" in done.response.content
    assert len(world.digest.history()) == 2 and statuses(world.bot.service, ids) == ["posted", "posted"]
    nothing = await world.admin.slash(world.channel, "digest", post=True)
    assert "Nothing new to post" in nothing.response.content
    assert public_messages(world.channel) == []  # nothing public in the command's channel
    world.env.errors  # acknowledge the refusal


async def test_possible_disputes_are_not_posted(world):
    service = world.bot.service
    [weak] = record_disputes(service, 1, score=0.6)
    assert service.dispute(weak).status == "possible"
    assert await jobs.digest_job() == 0
    assert world.digest.history() == []
    listed = await world.alice.slash(world.channel, "disputes", status="possible")
    [msg] = listed.followups
    assert "1 possible dispute(s)" in msg.content and "not posted unless more independent" in msg.content
    assert msg.embeds[0].footer.text == f"dispute {weak}"  # a listing is not a digest marker


async def test_new_evidence_on_a_posted_dispute_is_mentioned_not_posted_again(world):
    service = world.bot.service
    [did] = record_disputes(service, 1)
    assert await jobs.digest_job() == 1
    from retrieval.models import Claim

    a = service.dispute(did).sides[0].citations[0]
    more = "Only 120 prisoners of war returned home in Wednesday's exchange, Kyiv said."
    service.ledger.record(
        Claim(id="a", passage_id="p", doc=a.doc, source=a.source, speaker=a.speaker, title=a.title,
              start=a.start, end=a.end, text=a.quote, date=a.date),
        Claim(id="n", passage_id="p", doc="news.md", source="news", speaker="news", title="News",
              start=0, end=len(more), text=more, date="2025-03-21"), 0.92, "x")
    service.group_disputes()
    assert service.dispute(did).new_evidence and service.disputes("new") == []

    assert await jobs.digest_job() == 0  # no new item ...
    await world.env.settle()
    first, note = world.digest.history()
    assert "New evidence on disputes already posted" in note.content and did in note.content
    assert not note.embeds and not note.components
    assert not service.dispute(did).new_evidence


async def test_document_dropped_into_corpus_leads_to_a_digest(world):
    # no model here: the number check's conflict alone is weak evidence, below the default bar by design
    world.bot.service.dispute_book.min_confidence = 0.1
    (world.bot.settings.corpus_dir / "kremlin-exchange.md").write_text(CONFLICT, encoding="utf-8")

    await jobs.reindex_job()  # the interval job
    new = world.bot.service.disputes("new")
    assert new, "the conflicting prisoner numbers are a new dispute"
    assert await jobs.digest_job() == len(new)
    await world.env.settle()
    text = " ".join(f.value for m in world.digest.history() for e in m.embeds for f in e.fields)
    assert "200 Russians" in text and "175 Russians" in text


async def test_contradictions_and_disputes_commands(world):
    service = world.bot.service
    ids = record_disputes(service, 2)
    service.dismiss(ids[1])
    new = await world.alice.slash(world.channel, "contradictions")
    [msg] = new.followups
    assert not msg.ephemeral and msg.content == "2 new contradiction(s) in 1 dispute(s), strongest first."
    assert f"Part of dispute `{ids[0]}`" in msg.embeds[0].description
    dismissed = await world.alice.slash(world.channel, "contradictions", status="dismissed")
    assert f"`{ids[1]}`" in dismissed.followups[0].embeds[0].description
    none = await world.alice.slash(world.channel, "contradictions", status="retired")
    assert none.followups[0].content == "No retired contradictions."

    listed = await world.alice.slash(world.channel, "disputes", status="all")
    [msg] = listed.followups
    assert msg.content == "2 dispute(s), strongest first."
    assert [e.footer.text for e in msg.embeds] == [f"dispute {i}" for i in sorted(ids)] or \
        {e.footer.text for e in msg.embeds} == {f"dispute {i}" for i in ids}
    for m in public_messages(world.channel):
        embed_limits_ok(m)
    empty = await world.alice.slash(world.channel, "disputes")
    assert empty.followups[0].content.startswith("1 new dispute(s)")


async def test_buttons_of_digests_posted_before_disputes_dismiss_their_pair(world):
    """A post from before disputes existed: several pairs, a button each; a click dismisses that pair
    and disables only its button."""
    import discord

    from bot.discord.dismiss import DismissButton
    from tests.discord.conftest import record_contradictions

    service = world.bot.service
    ids = record_contradictions(service, 2)
    view = discord.ui.View(timeout=None)
    for k, cid in enumerate(ids, 1):
        view.add_item(DismissButton(cid, f"Dismiss #{k}"))
    channel = world.bot.get_channel(world.digest.id)
    await channel.send(content="Contradiction digest, 2025-03-20: 2 new.",
                       embeds=[discord.Embed(title="#1"), discord.Embed(title="#2")], view=view)
    await world.env.settle()
    [message] = world.digest.history()

    ok = await world.admin.click(message, custom_id=f"analyst:dismiss:{ids[0]}")
    assert f"Dismissed `{ids[0]}`" in ok.followups[0].content
    assert service.ledger.get(ids[0]).status == "dismissed" and service.ledger.get(ids[1]).status == "new"
    [edited] = world.digest.history()
    first, second = buttons(edited)
    assert first.disabled and first.label == "Dismissed" and not second.disabled
    assert [e.title for e in edited.embeds] == ["#1", "#2"]


async def test_digest_counts_disputes_below_the_bar_since_the_last_digest_without_posting_them(world):
    service = world.bot.service
    record_disputes(service, 2)
    a, b = _claims(2, 0, *POINTS[2][0])  # one pair on a third point: a single pair, below the bar
    service.ledger.record(a, b, 0.9, "The Kremlin and Zelenskyy give different accounts.")
    [lone] = service.disputes("possible")

    assert await jobs.digest_job() == 2
    await world.env.settle()
    head = world.digest.history()[0].content
    assert ("Possible disputes, below the confidence bar (named once, not posted as items; `/disputes id:` "
            "opens one):") in head
    assert f"• {lone.headline} (`{lone.id}`, confidence {lone.confidence:.2f}: one pair of statements)" in head
    assert "Below the confidence bar: 1 possible dispute(s) since the last digest" in head
    assert "`/disputes status:possible`" in head
    assert service.dispute(lone.id).status == "possible"  # named, not posted
    assert len(world.digest.history()) == 2

    a, b = _claims(2, 1, *POINTS[2][1])  # a second, independent pair: now over the bar, posted
    service.ledger.record(a, b, 0.9, "The Kremlin and Zelenskyy give different accounts.")
    assert await jobs.digest_job() == 1
    await world.env.settle()
    second = world.digest.history()[2].content
    assert second.startswith("Dispute digest") and "possible" not in second  # none new below the bar


async def test_a_possible_dispute_is_named_once_even_on_a_day_with_no_new_item(world):
    service = world.bot.service
    a, b = _claims(2, 0, *POINTS[2][0])  # one strong pair: `single`, below the bar
    service.ledger.record(a, b, 0.9, "The Kremlin and Zelenskyy give different accounts.")
    [weak] = record_disputes(service, 1, score=0.6)  # weak evidence only: counted, never named
    [lone] = [d for d in service.disputes("possible") if d.id != weak]
    assert service.dispute(weak).confidence < service.settings.digest_possible_min_confidence <= lone.confidence

    assert await jobs.digest_job() == 0  # no item posted ...
    await world.env.settle()
    [msg] = world.digest.history()  # ... but one heading-only message names the possible dispute
    assert msg.content.startswith("Dispute digest") and f"`{lone.id}`" in msg.content
    assert f"`{weak}`" not in msg.content and "2 possible dispute(s) since the last digest" in msg.content
    assert msg.embeds == [] and "@" not in msg.content
    assert service.dispute(lone.id).status == "possible"  # named, not posted: listable, dismissable
    opened = await world.alice.slash(world.channel, "disputes", id=lone.id)  # a reader opens the named one
    [shown] = opened.followups
    assert shown.content.startswith(f"Dispute `{lone.id}` (possible)") and len(shown.embeds) == 1
    assert shown.embeds[0].footer.text == f"dispute {lone.id}"
    missing = await world.alice.slash(world.channel, "disputes", id="d-ffffffff")
    assert "No dispute with id 'd-ffffffff'" in (missing.followups or [missing.response])[0].content
    world.env.errors  # acknowledge the refusal

    assert await jobs.digest_job() == 0
    await world.env.settle()
    assert len(world.digest.history()) == 1  # named once: nothing new the next day, nothing sent


async def test_an_admin_posting_a_digest_of_possible_disputes_is_told_what_went(world):
    service = world.bot.service
    a, b = _claims(2, 0, *POINTS[2][0])
    service.ledger.record(a, b, 0.9, "The Kremlin and Zelenskyy give different accounts.")
    [lone] = service.disputes("possible")
    preview = await world.alice.slash(world.channel, "digest")
    shown = preview.response
    assert preview.ephemeral and shown.content.startswith("Digest preview") and f"`{lone.id}`" in shown.content
    assert world.digest.history() == []  # a preview names nothing
    done = await world.admin.slash(world.channel, "digest", post=True)
    assert done.ephemeral and "No new dispute to post; the digest's heading" in done.response.content
    [msg] = world.digest.history()
    assert f"`{lone.id}`" in msg.content
    again = await world.admin.slash(world.channel, "digest", post=True)
    assert "Nothing new to post" in again.response.content
