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

What is asserted is behaviour, not speed: every service call ran off the event loop, on the bot's
own service threads (so neither the loop, which sends discord.py's heartbeat, nor its default
executor, which discord.py's host name lookups need, is held by a slow call); every interaction was
acknowledged before its service call began (the "thinking…" state Discord needs within 3 s does not
wait for the answer); every interaction got exactly one reply. `ServiceCalls` records the thread and
the acknowledged interaction of each call (bench/load_probes.py). How late the loop and the
acknowledgements actually were under the burst is measured by `make bench` (its `load` section,
bench/load.py), not asserted here.

Found and fixed with these tests: service calls ran in the loop's default executor (cpu_count + 4
threads, shared with discord.py's host name lookups), so calls waiting for the model's slot
filled it: with 50 questions and a 2 s queue it stayed full for ~20 s (~10 min at the default
60 s). The bot now has its own pool (`AnalystBot.run_blocking`).
"""
from __future__ import annotations

import asyncio
import threading

import pytest
import pytest_asyncio

from bot.discord.app import AnalystBot
from retrieval.errors import BusyError
from tests.discord.conftest import bot_settings_for, embed_limits_ok, seed_template, workdir  # noqa: F401
from bench.load_probes import (
    SEED_QUESTIONS, AckTimes, Crowd, ServiceCalls, burst, check_nothing_lost, close_crowd, outcome, quotes_sources,
    start_crowd,
)

LLM_QUESTIONS = [  # not the /ask of tests/discord, whose prompt the model server may have cached
    "According to the analysis, what has Trump already given away?",
    "What did the Kremlin say it is ready to guarantee to Ukrainian troops in Kursk?",
    "What did the White House statement say about Iran?",
]


def off_the_loop_and_acknowledged_first(calls: ServiceCalls, results) -> None:
    """Every service call ran on one of the bot's service threads, after its own interaction had
    been acknowledged; one call per interaction that was not told busy before reaching the service."""
    assert not calls.on_the_loop(), calls.on_the_loop()[:3]
    assert all(name.startswith("analyst-service") for _, name, _ in calls.calls), {n for _, n, _ in calls.calls}
    assert not calls.unacknowledged(), calls.unacknowledged()[:3]
    assert len(set(calls.acknowledged_ids())) == len(calls.calls)  # one call per interaction
    assert set(calls.acknowledged_ids()) <= {r._interaction.id for r in results}


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
    acks, service_calls = AckTimes(), ServiceCalls()
    acks.install(monkeypatch)
    service_calls.install(crowd.bot.service)
    calls = crowd.asking(SEED_QUESTIONS)

    results = await burst(crowd.env, calls, acks, timeout=300.0)

    outcomes = [outcome(r) for r in results]
    assert outcomes == ["answer"] * 50, [o for o in outcomes if o != "answer"]
    assert all(quotes_sources(r.followups[0].embeds[0]) for r in results)  # every answer quotes its sources
    check_nothing_lost(crowd, results)
    for r in results[:5]:
        embed_limits_ok(r.followups[0].message)
    assert len(acks.acked) == 50
    assert len(service_calls.calls) == 50
    off_the_loop_and_acknowledged_first(service_calls, results)


async def test_the_check_sees_service_calls_on_the_loop(workdir, make_crowd, monkeypatch):
    """Control for the test above: if /ask ran the service on the event loop (no thread), its check
    must say so. Only the offloading is changed; everything else is real."""
    crowd = await make_crowd(bot_settings_for(workdir, cooldown_s=0), 20, 300.0)

    async def inline(fn, *args):
        return fn(*args)

    monkeypatch.setattr(crowd.bot, "run_blocking", inline)
    acks, service_calls = AckTimes(), ServiceCalls()
    acks.install(monkeypatch)
    service_calls.install(crowd.bot.service)
    calls = crowd.asking(SEED_QUESTIONS)
    results = await burst(crowd.env, calls, acks, timeout=300.0)

    assert [outcome(r) for r in results] == ["answer"] * 20  # still answered, but...
    assert len(service_calls.on_the_loop()) == 20  # ...every call held the loop (and the heartbeat)
    with pytest.raises(AssertionError):
        off_the_loop_and_acknowledged_first(service_calls, results)
    assert not service_calls.unacknowledged()  # acknowledged first all the same: only the thread is wrong


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
    acks, service_calls = AckTimes(), ServiceCalls()
    acks.install(monkeypatch)
    service_calls.install(crowd.bot.service)
    calls = crowd.asking(LLM_QUESTIONS)

    results = await burst(crowd.env, calls, acks, timeout=900.0)

    outcomes = [outcome(r) for r in results]
    assert set(outcomes) <= {"answer", "busy"}, [o for o in outcomes if o not in ("answer", "busy")]
    # every ask that was not told busy reached the model (one call each: its answer shown, or
    # replaced by the retrieved sentence that answers after the checks; the wording of that outcome
    # is not what this test is about, so the model calls are counted, not reply texts)
    busy = outcomes.count("busy")
    print(f"\n50 asks (local model, 1 slot, 2 s queue): {calls_made[0]} model calls, {busy} busy, "
          f"{len(service_calls.calls)} service calls; peak model calls {peak[0]}")
    assert calls_made[0] >= 1 and busy >= 1
    assert calls_made[0] >= 50 - busy, (calls_made[0], busy)
    assert peak[0] == 1  # the concurrency limit held
    check_nothing_lost(crowd, results)
    assert len(acks.acked) == 50
    off_the_loop_and_acknowledged_first(service_calls, results)


async def test_a_full_model_queue_starves_nothing_else(workdir, make_crowd, monkeypatch):
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
    calls = crowd.asking(SEED_QUESTIONS)
    acks, service_calls = AckTimes(), ServiceCalls()
    acks.install(monkeypatch)
    service_calls.install(crowd.bot.service)

    assert gate.acquire(timeout=5)
    try:
        results = await burst(crowd.env, calls, acks, timeout=300.0)
    finally:
        gate.release()

    outcomes = [outcome(r) for r in results]
    assert outcomes == ["busy"] * 50, [o for o in outcomes if o != "busy"]
    check_nothing_lost(crowd, results)
    off_the_loop_and_acknowledged_first(service_calls, results)  # on the bot's own threads, none in the default executor


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

    loop = asyncio.get_running_loop()
    running = [asyncio.create_task(bot.run_blocking(held, n)) for n in range(bot.workers)]
    await asyncio.sleep(0.1)
    started = loop.time()
    with pytest.raises(BusyError):
        await bot.run_blocking(held, -1)
    waited = loop.time() - started
    # the default executor still serves (the wait is a guard against a hang, not a speed limit)
    free = await asyncio.wait_for(loop.run_in_executor(None, lambda: "free"), 20.0)
    assert not any(t.done() for t in running)  # told busy while every service thread was held
    release.set()
    assert await asyncio.gather(*running) == list(range(bot.workers))
    assert waited >= 0.45, waited  # it waited for a thread (the queue timeout) before saying busy
    assert free == "free"
    assert await bot.run_blocking(held, 7) == 7  # the pool serves again
    await bot.close()
