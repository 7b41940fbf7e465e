"""/ask streams: the public reply appears with the first tokens, is edited as more arrive, and becomes the
cited answer when complete; a failure midway replaces the partial text with a clear note.

The service here answers extractively (no model in these fast tests), so a stand-in for the bot's
thread pool plays the model's part: it streams the real answer's words through the handler's
`on_token` before returning the answer."""
from __future__ import annotations

import asyncio

import pytest

import bot.discord.stream as stream
from tests.discord.conftest import embed_limits_ok, public_messages

QUESTION = "What did Putin agree to about energy infrastructure?"


def _edits(env, message_id: int) -> list[dict]:
    """Bodies of the PATCH requests that edited the public reply, in order."""
    suffix = f"/messages/{message_id}"
    return [r.json or {} for r in env.http_requests if r.method == "PATCH" and r.path.endswith(suffix)]


def _shown(env) -> int:
    return sum(r.method in ("POST", "PATCH") and "/webhooks/" in r.path and not r.path.endswith("@original")
               for r in list(env.http_requests))


def _cites(embed) -> bool:
    """The rendered answer carries its citations: one field per citation (model answers) or the numbered
    quotes in the text (extractive answers), and the footer counts them."""
    numbered = embed.fields and embed.fields[0].name.startswith("[1] ") or "\n[1] " in (embed.description or "")
    return bool(numbered) and "source(s)" in (embed.footer.text or "") and not embed.footer.text.startswith("llm · 0")


def _streaming(env, real_ask, *, fail_after: int | None = None, groups: int = 4):
    """Stands in for the bot's thread pool: computes the real answer, then streams its words in
    `groups` bursts through the same `on_token` the model's stream would call, yielding to the event
    loop after each burst until the bot has shown it (so nothing depends on this machine's speed)."""
    async def run_blocking(fn, *args):
        if fn != real_ask:  # other service calls (e.g. logging the answer for feedback) run as they are
            return fn(*args)
        question, sources, history, on_token = (*args, (), (), None)[:4] if len(args) < 4 else args[:4]
        answer = real_ask(question, sources, history)
        words = answer.answer.split(" ")
        size = max(1, len(words) // groups)
        for g, i in enumerate(range(0, len(words), size)):
            if fail_after is not None and g == fail_after:
                raise RuntimeError("the model's connection dropped")
            before = _shown(env)
            for word in words[i:i + size]:
                on_token(word + " ")
            for _ in range(10_000):
                if _shown(env) > before:
                    break
                await asyncio.sleep(0)
        return answer
    return run_blocking


@pytest.fixture
def fast_edits(monkeypatch):
    monkeypatch.setattr(stream, "EDIT_INTERVAL_S", 0.0)


async def test_answer_is_edited_as_tokens_arrive_and_ends_with_citations(world, monkeypatch, fast_edits):
    monkeypatch.setattr(world.bot, "run_blocking", _streaming(world.env, world.bot.service.ask))
    result = await world.alice.slash(world.channel, "ask", question=QUESTION)

    [msg] = result.followups  # one public reply, edited in place
    assert result.response is None and not msg.ephemeral
    edits = _edits(world.env, msg.id)
    partial = [e["embeds"][0]["description"] for e in edits[:-1] if e.get("embeds")]
    assert len(partial) >= 2, "the reply was edited while the answer was being written"
    assert all(p.endswith(stream.CURSOR) for p in partial)
    lengths = [len(p) for p in partial]
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1]  # it grows
    [embed] = msg.embeds  # the final state: the rendered answer, cursor gone, citations attached
    assert not embed.description.endswith(stream.CURSOR)
    assert _cites(embed)
    embed_limits_ok(msg.message)
    assert public_messages(world.channel)[-1].id == msg.id


async def test_a_failure_midway_leaves_a_clear_note_not_half_an_answer(world, monkeypatch, fast_edits):
    monkeypatch.setattr(world.bot, "run_blocking", _streaming(world.env, world.bot.service.ask, fail_after=2))
    result = await world.alice.slash(world.channel, "ask", question=QUESTION)

    [msg] = result.followups
    assert _edits(world.env, msg.id), "a partial answer was shown before the failure"
    assert msg.content == stream.FAILED and not msg.embeds
    assert result.ephemeral and "Something went wrong" in result.response.content  # the asker is told why
    assert len(world.env.errors) == 1


async def test_no_tokens_means_one_plain_reply(world):
    """Extractive answers (no model) do not stream: the reply is posted once, complete."""
    result = await world.alice.slash(world.channel, "ask", question=QUESTION)
    [msg] = result.followups
    assert not _edits(world.env, msg.id)
    assert _cites(msg.embeds[0])


def test_partial_embed_stays_within_limits():
    embed = stream.partial_embed("q" * 400, "word " * 2000)
    assert len(embed.title) <= 256 and len(embed.description) <= 4096
    assert embed.description.endswith(stream.CURSOR)
