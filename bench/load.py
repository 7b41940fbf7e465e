"""`make bench`'s load section: 50 `/ask` at once against the real bot in simcord (real Chroma,
MiniLM, BM25; extractive answers, no model), with the event loop probed the way discord.py's
keep-alive thread uses it. Reports what the load tests deliberately do not assert: how late the
loop ran callbacks (a blocked loop delays the gateway heartbeat) and how long each interaction
waited for its first response (Discord's limit is 3 s), on this machine, in this run."""
from __future__ import annotations

import asyncio
import shutil
import statistics
import time
from pathlib import Path

from bench.load_probes import (
    SEED_QUESTIONS, AckTimes, LoopProbe, ServiceCalls, burst, close_crowd, outcome, start_crowd,
)

GUILD_ID = 1_111_111_111_111_111_111


def bench_load(tmp: Path, asks: int = 50) -> dict:
    from bench.run import REPO, settings_for
    from retrieval.service import Analyst

    shutil.copytree(REPO / "corpus", tmp / "corpus")
    settings = settings_for(tmp, corpus_dir=tmp / "corpus", sources_file=tmp / "corpus" / "sources.yaml",
                            cooldown_s=10.0, dev_guild_id=GUILD_ID, timezone="UTC")
    service = Analyst(settings)
    service.index()
    service.close()
    return asyncio.run(_burst(settings, asks))


async def _burst(settings, asks: int) -> dict:
    import pytest

    crowd, service = await start_crowd(settings, asks, settle_timeout=600.0)
    acks, calls = AckTimes(), ServiceCalls()
    try:
        with pytest.MonkeyPatch.context() as patch:
            acks.install(patch)
            calls.install(crowd.bot.service)
            work = crowd.asking(SEED_QUESTIONS)
            started = time.perf_counter()
            with LoopProbe(asyncio.get_running_loop()) as probe:
                results = await burst(crowd.env, work, acks, timeout=600.0)
            elapsed = time.perf_counter() - started
    finally:
        await close_crowd(crowd, service)
    return _figures(asks, elapsed, probe, acks, calls, [outcome(r) for r in results])


def _figures(asks, elapsed, probe, acks, calls, outcomes) -> dict:
    ms = lambda xs, q: round(1000 * statistics.quantiles(xs, n=100)[q - 1], 1) if len(xs) > 1 else None  # noqa: E731
    acked = acks.latencies()
    return {"asks": asks, "answered": outcomes.count("answer"), "other_outcomes": sorted(set(outcomes) - {"answer"}),
            "seconds": round(elapsed, 1), "service_calls": len(calls.calls),
            "service_calls_on_loop_thread": len(calls.on_the_loop()),
            "loop_lag_ms": {"p50": ms(probe.lags, 50), "p95": ms(probe.lags, 95),
                            "max": round(1000 * probe.max_lag, 1), "probes": len(probe.lags)},
            "ack_ms": {"p50": ms(acked, 50), "p95": ms(acked, 95), "max": round(1000 * max(acked, default=0), 1)},
            "note": "asks emitted back to back before the bot runs any; loop lag = delay of a callback scheduled "
                    "from another thread every 50 ms (as discord.py's keep-alive does); ack = dispatch to first "
                    "response (Discord's limit 3000 ms). ANALYST_LLM=none."}


if __name__ == "__main__":
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        print(json.dumps(bench_load(Path(d)), indent=2))
