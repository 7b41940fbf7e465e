"""Load: many `/ask` at once against the real bot, without blocking the event loop.

What is real: the bot (`AnalystBot`, its command tree, cooldowns, its thread pool for service
calls, rendering), discord.py's interaction handling, the service (real Chroma, real MiniLM embedder,
real BM25), and in the slow case the real local model behind the real `LLMClient` with its
concurrency gate and queue. Discord is simcord's in-process fake of the REST API and gateway.

How the burst is made: simcord's public verbs (`member.slash`) each emit INTERACTION_CREATE and
then wait for the bot to settle, and refuse overlapping calls from different tasks. To have all
interactions in flight at once, `burst()` calls the real `member.slash` for every question with
simcord's internal settle step (`Env._settle_internal`) deferred, so each call builds and emits
its INTERACTION_CREATE exactly as usual and returns at once; the public `env.settle()` then runs
the bot until every interaction has finished. The bot sees N gateway events arrive back to back,
before it has run any of them, which is a harder burst than users clicking at the same second.

How the heartbeat is checked: discord.py's gateway heartbeat is sent from a keep-alive thread that
schedules work onto the bot's event loop; when the loop is blocked, the heartbeat is late and
Discord eventually drops the connection. `LoopProbe` does the same: a thread schedules a callback
onto the bot's loop every 50 ms (`call_soon_threadsafe`) and records how late it ran. It uses
the wall clock, so simcord's virtual time does not hide a blocked loop. Every interaction must
also be acknowledged (deferred) within Discord's 3 s limit, measured on the wall clock.

Found and fixed with these tests: service calls ran in the loop's default executor (cpu_count + 4
threads, shared with discord.py's host name lookups), so calls waiting for the model's slot
filled it: with 50 questions and a 2 s queue it stayed full for ~20 s (~10 min at the default
60 s). The bot now has its own pool (`AnalystBot.run_blocking`).
"""
from __future__ import annotations

import asyncio
import threading
import time

import pytest
import pytest_asyncio

from bot.discord.app import AnalystBot
from retrieval.errors import BusyError
from tests.discord.conftest import bot_settings_for, embed_limits_ok, seed_template, workdir  # noqa: F401
from tests.faults.load_probes import (
    quotes_sources,
    MAX_LOOP_LAG_S, AckTimes, Crowd, ExecutorProbe, LoopProbe, burst, check_nothing_lost, close_crowd, outcome,
    start_crowd,
)

QUESTIONS = [  # answerable from the seed corpus (bench/seed-eval.json)
    "What did Putin agree to about energy infrastructure?",
    "What did the White House statement say about Iran?",
    "How many injured Ukrainian servicemen will Russia hand over?",
    "How long was Steve Witkoff reportedly made to wait in Moscow?",
    "Which city was hit in the strike on energy infrastructure after the call?",
]
LLM_QUESTIONS = [  # not the /ask of tests/discord, whose prompt the model server may have cached
    "According to the analysis, what has Trump already given away?",
    "What did the Kremlin say it is ready to guarantee to Ukrainian troops in Kursk?",
    "What did the White House statement say about Iran?",
]
ACK_LIMIT_S = 3.0  # Discord's deadline for the first response to an interaction


@pytest_asyncio.fixture
async def make_crowd():
    made = []

    async def make(settings, n: int, settle_timeout: float) -> Crowd:
        crowd, service = await start_crowd(settings, n, settle_timeout)
        made.append((crowd, service))
        return crowd

    yield make
    for crowd, service in made:
        await close_crowd(crowd, service)


# ---- tests ---------------------------------------------------------------------------------------
async def test_50_concurrent_asks_all_answered_without_blocking_the_loop(workdir, make_crowd, monkeypatch):
    # ANALYST_LLM=none (extractive answers). The shipped default cooldown (10 s per user) stays on:
    # 50 different users are not throttled by it.
    crowd = await make_crowd(bot_settings_for(workdir, cooldown_s=10.0), 50, 300.0)
    acks = AckTimes()
    acks.install(monkeypatch)
    calls = [(m, crowd.channel, QUESTIONS[i % len(QUESTIONS)]) for i, m in enumerate(crowd.members)]

    started = time.perf_counter()
    with LoopProbe(asyncio.get_running_loop()) as probe:
        results = await burst(crowd.env, calls, acks, timeout=300.0)
    elapsed = time.perf_counter() - started

    outcomes = [outcome(r) for r in results]
    assert outcomes == ["answer"] * 50, [o for o in outcomes if o != "answer"]
    assert all(quotes_sources(r.followups[0].embeds[0]) for r in results)  # every answer quotes its sources
    check_nothing_lost(crowd, results)
    for r in results[:5]:
        embed_limits_ok(r.followups[0].message)
    latencies = acks.latencies()
    print(f"\n50 asks (no LLM) in {elapsed:.1f} s; loop lag max {probe.max_lag * 1000:.0f} ms over "
          f"{len(probe.lags)} probes; acknowledged within {max(latencies) * 1000:.0f} ms")
    assert len(latencies) == 50
    assert len(probe.lags) >= 5
    assert probe.max_lag < MAX_LOOP_LAG_S, (sorted(probe.lags)[-5:], probe.stalls[:1])
    assert max(latencies) < ACK_LIMIT_S, sorted(latencies)[-5:]


async def test_the_probe_sees_a_blocked_loop(workdir, make_crowd, monkeypatch):
    """Control for the test above: if /ask ran the service on the event loop (no thread), the
    probe must report it. Only the offloading is changed, and the first call is made as slow as a
    model answer (1.5 s; retrieval alone now takes ~10-40 ms); everything else is real."""
    crowd = await make_crowd(bot_settings_for(workdir, cooldown_s=0), 20, 300.0)

    blocked: list[float] = []

    async def inline(fn, *args):
        t = time.perf_counter()
        try:
            if not blocked:
                time.sleep(1.5)  # a slow service call, on the loop
            return fn(*args)
        finally:
            blocked.append(time.perf_counter() - t)

    monkeypatch.setattr(crowd.bot, "run_blocking", inline)
    calls = [(m, crowd.channel, QUESTIONS[i % len(QUESTIONS)]) for i, m in enumerate(crowd.members)]
    with LoopProbe(asyncio.get_running_loop()) as probe:
        results = await burst(crowd.env, calls, AckTimes(), timeout=300.0)

    assert [outcome(r) for r in results] == ["answer"] * 20  # still answered, but...
    # ...the loop (and with it the heartbeat) was blocked for as long as the longest inline call
    assert probe.max_lag > MAX_LOOP_LAG_S and probe.max_lag >= 0.8 * max(blocked), (probe.max_lag, max(blocked))


@pytest.mark.slow
async def test_50_concurrent_asks_with_the_local_model_are_answered_or_told_busy(
        workdir, make_crowd, monkeypatch, local_llm_url):
    """The real local model behind one slot (`llm_max_concurrency=1`) and a short queue
    (`llm_queue_timeout_s=2`): whoever gets the slot gets a model answer; whoever waits longer
    gets the extractive answer with the busy note (or, when even a service thread took that long
    to free up, the private busy message). Nobody gets nothing, and the model never sees more
    than one call at a time."""
    from retrieval.llm import client as llm_module

    settings = bot_settings_for(workdir, llm="remote", llm_base_url=local_llm_url, cooldown_s=10.0,
                                llm_max_concurrency=1, llm_queue_timeout_s=2.0, llm_max_tokens=64,
                                llm_timeout_s=600.0)  # a loaded 2-core machine: slow, not down
    in_flight, peak, calls_made = [0], [0], [0]
    lock = threading.Lock()
    real_stream = llm_module.LLMClient._stream

    def counting_stream(self, *args, **kwargs):  # observation only: the real call runs
        with lock:
            in_flight[0] += 1
            calls_made[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        try:
            return real_stream(self, *args, **kwargs)
        finally:
            with lock:
                in_flight[0] -= 1

    monkeypatch.setattr(llm_module.LLMClient, "_stream", counting_stream)
    crowd = await make_crowd(settings, 50, 900.0)
    acks = AckTimes()
    acks.install(monkeypatch)
    calls = [(m, crowd.channel, LLM_QUESTIONS[i % len(LLM_QUESTIONS)]) for i, m in enumerate(crowd.members)]

    started = time.perf_counter()
    with LoopProbe(asyncio.get_running_loop()) as probe:
        results = await burst(crowd.env, calls, acks, timeout=900.0)
    elapsed = time.perf_counter() - started

    outcomes = [outcome(r) for r in results]
    assert set(outcomes) <= {"answer", "busy"}, [o for o in outcomes if o not in ("answer", "busy")]
    # every ask that was not told busy reached the model (one call each: its answer shown, or
    # replaced by the retrieved sentence that answers after the checks; the wording of that outcome
    # is not what this test is about, so the model calls are counted, not reply texts)
    busy = outcomes.count("busy")
    print(f"\n50 asks (local model, 1 slot, 2 s queue) in {elapsed:.1f} s: {calls_made[0]} model calls, "
          f"{busy} busy; loop lag max {probe.max_lag * 1000:.0f} ms; "
          f"acknowledged within {max(acks.latencies()) * 1000:.0f} ms; peak model calls {peak[0]}")
    assert calls_made[0] >= 1 and busy >= 1
    assert calls_made[0] >= 50 - busy, (calls_made[0], busy)
    assert peak[0] == 1  # the concurrency limit held
    check_nothing_lost(crowd, results)
    assert probe.max_lag < MAX_LOOP_LAG_S, (sorted(probe.lags)[-5:], probe.stalls[:1])
    assert max(acks.latencies()) < ACK_LIMIT_S


async def test_a_full_model_queue_starves_nothing_else(workdir, make_crowd):
    """50 /ask while the model's only slot is taken: each waits at most `llm_queue_timeout_s` for
    it and answers extractively with the busy note, and the loop's default executor (discord.py's
    too) stays free meanwhile. Before the bot had its own pool, the waiting calls filled it for
    ~20 s. Fault injection: the slot is held by the test, standing for a long answer in flight
    (it is the real gate `LLMClient` uses; the endpoint itself is never reached)."""
    from retrieval.llm import client as llm_module

    url, wait = "http://127.0.0.1:9/v1", 2.0
    settings = bot_settings_for(workdir, llm="remote", llm_base_url=url, cooldown_s=10.0,
                                llm_max_concurrency=1, llm_queue_timeout_s=wait)
    crowd = await make_crowd(settings, 50, 300.0)
    crowd.bot.service._llm = llm_module.LLMClient(settings, url, settings.llm_model, llama_cpp=True)
    gate = llm_module._gate(url, 1)
    calls = [(m, crowd.channel, QUESTIONS[i % len(QUESTIONS)]) for i, m in enumerate(crowd.members)]
    loop = asyncio.get_running_loop()

    assert gate.acquire(timeout=5)
    started = time.perf_counter()
    try:
        with LoopProbe(loop) as probe, ExecutorProbe(loop) as executor:
            results = await burst(crowd.env, calls, AckTimes(), timeout=300.0)
    finally:
        gate.release()
    elapsed = time.perf_counter() - started

    outcomes = [outcome(r) for r in results]
    assert outcomes == ["busy"] * 50, [o for o in outcomes if o != "busy"]
    check_nothing_lost(crowd, results)
    print(f"\n50 asks with the model slot taken ({wait:.0f} s queue): all busy in {elapsed:.1f} s; "
          f"loop lag max {probe.max_lag * 1000:.0f} ms; default executor wait max "
          f"{executor.max_lag * 1000:.0f} ms")
    assert probe.max_lag < MAX_LOOP_LAG_S, probe.stalls[:1]
    assert executor.max_lag < MAX_LOOP_LAG_S, sorted(executor.lags)[-5:]


async def test_service_calls_wait_for_a_thread_only_as_long_as_for_the_model(tmp_path):
    """`AnalystBot.run_blocking` in real time (simcord freezes timers on waits it recognises, so
    this part runs on a plain event loop): with every service thread taken, a further call waits
    `llm_queue_timeout_s` and gets BusyError, the calls already running finish, and the loop's
    default executor is never used."""
    settings = bot_settings_for(tmp_path, llm_queue_timeout_s=0.5)
    bot = AnalystBot(None, settings, scheduler=False)  # run_blocking needs no service
    release = threading.Event()

    def held(n: int) -> int:  # a service call waiting for the model's slot
        release.wait(30)
        return n

    running = [asyncio.create_task(bot.run_blocking(held, n)) for n in range(bot.workers)]
    await asyncio.sleep(0.1)
    started = time.perf_counter()
    with pytest.raises(BusyError):
        await bot.run_blocking(held, -1)
    waited = time.perf_counter() - started
    free = await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, lambda: "free"), 1.0)
    release.set()
    assert await asyncio.gather(*running) == list(range(bot.workers))
    assert 0.45 <= waited < 1.5, waited
    assert free == "free"
    assert await bot.run_blocking(held, 7) == 7  # the pool serves again
    await bot.close()


async def test_the_probe_stops_at_once_when_left_with_a_tick_pending():
    """The probe's own exit must not read as a stall: leaving the `with` right after the loop was
    busy (a tick scheduled and not yet run) once blocked the loop in `join` until the probe gave up
    on that tick (60 s) and recorded the give-up as the loop's lag, failing the model load test in
    CI. Now the pending tick is dropped when the probe is stopped: its thread has ended when the
    `with` is left, and no give-up is recorded."""
    loop = asyncio.get_running_loop()
    with LoopProbe(loop, interval=0.01) as probe:
        await asyncio.sleep(0.2)
        time.sleep(0.3)  # busy loop thread: the probe has scheduled a tick that cannot run yet
    assert not probe._thread.is_alive()
    assert probe.lags and 60.0 not in probe.lags, probe.lags[-3:]
