"""Mentioning the bot opens a thread with the answer; a follow-up in that thread carries the
earlier turn to the service as history."""
from __future__ import annotations


async def test_mention_answers_in_a_thread_and_follow_up_carries_history(world, monkeypatch):
    service = world.bot.service
    calls = []
    real_ask = service.ask

    def recording_ask(question, sources=(), history=()):  # a spy: records, then calls the real one
        calls.append((question, list(history)))
        return real_ask(question, sources, history)

    monkeypatch.setattr(service, "ask", recording_ask)
    me = world.bot.user.mention

    await world.alice.send(world.channel, f"{me} What did Putin agree to about energy infrastructure?")

    [thread] = world.channel.threads
    assert thread.name.startswith("What did Putin agree to")
    first = thread.history()
    assert first and first[-1].author.id == world.bot.user.id
    assert "\n[1] " in first[-1].embeds[0].description  # the cited quote, then its source
    assert calls == [("What did Putin agree to about energy infrastructure?", [])]
    first_answer = first[-1].embeds[0].description

    await world.alice.send(thread, f"{me} And what did Zelenskyy say about concessions?")

    assert len(calls) == 2
    question, history = calls[1]
    assert question == "And what did Zelenskyy say about concessions?"
    assert len(history) == 1 and history[0][0] == calls[0][0]
    quote = history[0][1].split("\n")[1].strip("“”[]1 ")[:40]  # the first quote of the earlier answer
    assert quote in first_answer.replace("\\", "")
    later = thread.history()
    assert len(later) > len(first) and later[-1].embeds[0].title.startswith("Q: And what did Zelenskyy")
    assert len(world.channel.threads) == 1  # the follow-up stayed in the thread


async def test_plain_messages_and_everyone_pings_are_ignored(world):
    await world.alice.send(world.channel, "just chatting, no question for the bot")
    await world.alice.send(world.channel, "@everyone hello")
    assert not world.channel.threads
    assert all(m.author.id != world.bot.user.id for m in world.channel.history())


async def test_mention_in_a_channel_outside_the_allow_list_is_ignored(world):
    world.bot.settings.allowed_channels = [world.digest.id]
    await world.alice.send(world.channel, f"{world.bot.user.mention} What did Putin say?")
    assert not world.channel.threads


async def test_a_mention_has_the_same_question_limit_as_slash_ask(world, monkeypatch):
    from bot.commands import MAX_QUESTION

    asked = []
    monkeypatch.setattr(world.bot.service, "ask", lambda *a, **k: asked.append(a))  # must not be reached
    long = "What did Putin say about energy? " * 40
    question = long[: MAX_QUESTION + 1].strip() + "?"
    assert len(question) > MAX_QUESTION
    await world.alice.send(world.channel, f"{world.bot.user.mention} {question}")
    replies = [m for m in world.channel.history() if m.author.id == world.bot.user.id]
    assert replies and f"limited to {MAX_QUESTION} characters" in replies[-1].content
    assert not asked and not world.channel.threads


async def test_an_answer_in_a_thread_carries_working_feedback_buttons(world):
    await world.alice.send(world.channel, f"{world.bot.user.mention} What did Putin agree to about energy?")
    [thread] = world.channel.threads
    answer = [m for m in thread.history() if m.author.id == world.bot.user.id][-1]
    ids = [c.custom_id for row in answer.components for c in row.children]
    up = next(i for i in ids if i.startswith("analyst:fb:up:"))
    assert any(i.startswith("analyst:fb:down:") for i in ids)
    thanks = await world.alice.click(answer, custom_id=up)
    assert thanks.ephemeral
    [row] = world.bot.service.feedback_list()
    assert row["vote"] == "up" and row["user"] == str(world.alice.id)
    assert row["question"] == "What did Putin agree to about energy?" and row["citations"]
