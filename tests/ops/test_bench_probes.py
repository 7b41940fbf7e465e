"""The instruments `make bench` measures the bot's load behaviour with (bench/load_probes.py)."""
from __future__ import annotations

import asyncio
import time

from bench.load_probes import LoopProbe


async def test_the_probe_stops_at_once_when_left_with_a_tick_pending():
    """The probe's own exit must not read as a stall: leaving the `with` right after the loop was
    busy (a tick scheduled and not yet run) once blocked the loop in `join` until the probe gave up
    on that tick (60 s) and recorded the give-up as the loop's lag. Now the pending tick is dropped
    when the probe is stopped: its thread has ended when the `with` is left, and no give-up is
    recorded."""
    loop = asyncio.get_running_loop()
    with LoopProbe(loop, interval=0.01) as probe:
        await asyncio.sleep(0.2)
        time.sleep(0.3)  # busy loop thread: the probe has scheduled a tick that cannot run yet
    assert not probe._thread.is_alive()
    assert probe.lags and 60.0 not in probe.lags, probe.lags[-3:]


async def test_the_probe_sees_a_blocked_loop():
    """Control: a loop blocked for 0.6 s shows a lag of about that much."""
    loop = asyncio.get_running_loop()
    with LoopProbe(loop, interval=0.01) as probe:
        await asyncio.sleep(0.1)
        time.sleep(0.6)
        await asyncio.sleep(0.1)
    assert probe.max_lag >= 0.5, probe.lags
