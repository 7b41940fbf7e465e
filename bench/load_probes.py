"""Instruments for a burst of `/ask` against the real bot in simcord, shared by the load tests
(tests/faults/test_load.py, which assert behaviour: where service calls run, that every interaction
was acknowledged before its service call, that nothing is lost) and `make bench`'s load section
(bench/load.py, which reports the wall-clock figures: event-loop lag, acknowledgement latency).

- `ServiceCalls` records, for each service call, the thread it ran on and the interaction that had
  been acknowledged in its context (a context variable set when the bot defers; the bot's thread
  pool runs each call in a copy of the caller's context).
- `LoopProbe` measures how late the event loop serves (discord.py's keep-alive thread uses it so).
- `burst` emits every `/ask` before the bot runs any of them (see test_load's docstring)."""
from __future__ import annotations

import asyncio
import contextvars
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field

import discord
import simcord

from bot.discord.app import AnalystBot
from retrieval.errors import BusyError

SEED_QUESTIONS = [  # answerable from the seed corpus (bench/seed-eval.json)
    "What did Putin agree to about energy infrastructure?",
    "What did the White House statement say about Iran?",
    "How many injured Ukrainian servicemen will Russia hand over?",
    "How long was Steve Witkoff reportedly made to wait in Moscow?",
    "Which city was hit in the strike on energy infrastructure after the call?",
]
STALL_S = 1.0  # a probe tick later than this is recorded with what the loop was doing
ACKED: contextvars.ContextVar[int | None] = contextvars.ContextVar("acked_interaction", default=None)


# ---- instruments ---------------------------------------------------------------------------------
class LoopProbe:
    """A keep-alive thread in miniature: schedules a callback onto `loop` every `interval` s and
    records how long each took to run (the loop's lag). Enter it from the loop's thread; when a
    tick is late by more than `STALL_S`, what the loop was doing is kept in `stalls`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, interval: float = 0.05) -> None:
        self.loop, self.interval = loop, interval
        self.lags: list[float] = []
        self.stalls: list[str] = []
        self._loop_thread = threading.get_ident()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="loop-probe", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            ran = threading.Event()
            sent = time.perf_counter()

            def tick() -> None:
                self.lags.append(time.perf_counter() - sent)
                ran.set()

            self.loop.call_soon_threadsafe(tick)
            if not self._await(ran, sent, on_stall=self._record_stall):
                return
            self._stop.wait(self.interval)

    def _await(self, ran: threading.Event, sent: float, on_stall=None, give_up: float = 60.0) -> bool:
        """Wait for `ran`; False when the probe is being stopped meanwhile. On exit the loop's
        thread sets `_stop` and joins this thread, so a tick scheduled just before can never run
        then: waiting for it would block the loop in `join` and read as a stall of the bot."""
        stalled = False
        while not ran.wait(0.02):
            if self._stop.is_set():
                return False
            waited = time.perf_counter() - sent
            if waited > STALL_S and not stalled and on_stall:
                on_stall()
                stalled = True
            if waited > give_up:
                self.lags.append(give_up)
                return True
        return True

    def _record_stall(self) -> None:
        frame = sys._current_frames().get(self._loop_thread)
        self.stalls.append("".join(traceback.format_stack(frame)[-12:]) if frame else "?")

    def __enter__(self) -> "LoopProbe":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(65)

    @property
    def max_lag(self) -> float:
        return max(self.lags, default=float("inf"))


@dataclass
class AckTimes:
    """Wall-clock time from dispatch to the bot's first response, per interaction id."""

    sent: dict[int, float] = field(default_factory=dict)
    acked: dict[int, float] = field(default_factory=dict)

    def install(self, monkeypatch) -> None:
        # Observation only: the real methods run unchanged.
        real_defer = discord.InteractionResponse.defer
        real_send = discord.InteractionResponse.send_message

        async def defer(response, *args, **kwargs):
            self._mark(response._parent.id)
            return await real_defer(response, *args, **kwargs)

        async def send_message(response, *args, **kwargs):
            self._mark(response._parent.id)
            return await real_send(response, *args, **kwargs)

        monkeypatch.setattr(discord.InteractionResponse, "defer", defer)
        monkeypatch.setattr(discord.InteractionResponse, "send_message", send_message)

    def _mark(self, interaction_id: int) -> None:
        self.acked.setdefault(interaction_id, time.perf_counter())
        ACKED.set(interaction_id)  # seen by service calls made later in this interaction's task

    def latencies(self) -> list[float]:
        return [self.acked[i] - t for i, t in self.sent.items() if i in self.acked]


async def burst(env: simcord.Env, calls, acks: AckTimes, timeout: float) -> list[simcord.InteractionResult]:
    """Emit every `/ask` before the bot runs any of them, then settle once (see module docstring)."""

    async def settle_later(**_kwargs) -> None:
        return None

    env._settle_internal = settle_later  # instance attribute shadows the method
    try:
        results = []
        for member, channel, question in calls:
            results.append(await member.slash(channel, "ask", question=question))
            acks.sent[results[-1]._interaction.id] = time.perf_counter()
    finally:
        del env._settle_internal
    await env.settle(timeout=timeout)
    return results


@dataclass
class ServiceCalls:
    """Observation only: wraps `service.ask` (the real method runs) to record, per call, the thread
    it ran on and the interaction acknowledged before it in its context (None: not acknowledged)."""

    loop_thread: int = field(default_factory=threading.get_ident)
    calls: list[tuple[int, str, int | None]] = field(default_factory=list)

    def install(self, service) -> None:
        real_ask = service.ask

        def ask(*args, **kwargs):
            thread = threading.current_thread()
            self.calls.append((thread.ident, thread.name, ACKED.get()))
            return real_ask(*args, **kwargs)

        service.ask = ask

    def on_the_loop(self) -> list[tuple]:
        return [c for c in self.calls if c[0] == self.loop_thread]

    def unacknowledged(self) -> list[tuple]:
        return [c for c in self.calls if c[2] is None]

    def acknowledged_ids(self) -> list[int]:
        return sorted(c[2] for c in self.calls if c[2] is not None)


# ---- a crowd of members around the real bot ------------------------------------------------------------------------------------
@dataclass
class Crowd:
    env: simcord.Env
    bot: AnalystBot
    channel: simcord.ChannelHandle
    members: list

    def asking(self, questions: list[str]) -> list[tuple]:
        """(member, channel, question) for every member, the questions taken in turn: `burst`'s input."""
        return [(m, self.channel, questions[i % len(questions)]) for i, m in enumerate(self.members)]


async def start_crowd(settings, n: int, settle_timeout: float):
    from retrieval.service import Analyst

    service = Analyst(settings)
    bot = AnalystBot(service, settings, scheduler=False)
    env = simcord.Env(bot, settle_timeout=settle_timeout)
    guild = env.create_guild("Analysts", id=settings.dev_guild_id)
    channel = guild.create_text_channel("analysis")
    await env.start()
    members = [guild.add_member(env.create_user(f"analyst{i}")) for i in range(n)]
    return Crowd(env, bot, channel, members), service


async def close_crowd(crowd: Crowd, service) -> None:
    """Shut down; an error the bot raised other than "busy" (reported to its user) fails the test."""
    try:
        await crowd.env.shutdown()
        _nothing_unexpected(crowd.env)
    finally:
        service.close()


def outcome(result: simcord.InteractionResult) -> str:
    """'answer', 'busy', or what went wrong instead, for one /ask."""
    if not result.acknowledged:
        return "never acknowledged"
    if result.response is not None:  # a private reply: only "busy" is expected
        text = result.response.content
        return "busy" if result.ephemeral and text.startswith(BusyError.user_message) else f"private: {text[:200]!r}"
    msgs = result.followups
    if len(msgs) != 1 or len(msgs[0].embeds) != 1:
        return f"{len(msgs)} follow-up(s)"
    embed = msgs[0].embeds[0]
    if not (embed.title or "").startswith("Q: "):
        return f"unexpected embed {embed.title!r}"
    cited = quotes_sources(embed)
    if BusyError.user_message in embed.description:
        return "busy" if embed.footer.text.startswith("extractive") and cited else "busy, no quotes"
    if cited or (embed.footer.text or "").endswith("not answered"):  # a cited answer, or a rendered refusal
        return "answer"
    return f"answer without citations: {embed.description[:200]!r}"


def check_nothing_lost(crowd: Crowd, results) -> None:
    """Every interaction has exactly one reply: a public answer in the channel (all of which
    belong to one interaction each) or a private one; the bot raised nothing unexpected."""
    public = [m for m in crowd.channel.history() if not m.flags.ephemeral]
    answered = [r for r in results if r.response is None]
    assert all(len(r.followups) == 1 for r in answered)
    assert all(not r.followups for r in results if r.response is not None)
    assert sorted(r.followups[0].id for r in answered) == sorted(m.id for m in public)
    _nothing_unexpected(crowd.env)


def _nothing_unexpected(env: simcord.Env) -> None:
    """The bot raised no error other than "busy" (which is reported to its user)."""
    unexpected = [e for e in env.errors if not isinstance(getattr(e, "original", e), BusyError)]
    assert not unexpected, unexpected


def quotes_sources(embed) -> bool:
    """A model answer cites in fields; an extractive one shows its numbered quotes in the text."""
    return bool(embed.fields) or "\n[1] " in (embed.description or "")
