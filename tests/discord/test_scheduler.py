"""The digest/reindex scheduler across real restarts: a real APScheduler AsyncIOScheduler with its
SQLAlchemy job store in a SQLite file in the data directory. No bot is attached (`_BOT` is None),
so the real job functions run and just log that no bot is running; that log line counts the runs."""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime, timedelta, timezone

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED

from bot import scheduler as jobs
from tests.discord.conftest import bot_settings_for


def _settings(tmp_path, **kw):
    return bot_settings_for(tmp_path, timezone="Europe/Kyiv", digest_cron="0 8 * * *", reindex_minutes=60, **kw)


async def _stop(s):
    s.shutdown(wait=False)  # AsyncIOScheduler shuts down on the next loop iteration
    await asyncio.sleep(0.01)
    assert not s.running


async def _restart(settings):
    """A fresh scheduler process-equivalent on the same job store."""
    await asyncio.sleep(0)
    return jobs.start(None, settings)


def _runs(caplog, what="reindex job: no bot is running"):
    return sum(what in r.getMessage() for r in caplog.records)


async def test_jobs_are_persisted_and_next_run_times_survive_a_restart(tmp_path):
    settings = _settings(tmp_path)
    s1 = jobs.start(None, settings)
    digest, reindex = s1.get_job("digest").next_run_time, s1.get_job("reindex").next_run_time
    await _stop(s1)

    db = settings.data_dir / "jobs.sqlite3"
    rows = sqlite3.connect(db).execute("SELECT id FROM apscheduler_jobs ORDER BY id").fetchall()
    assert rows == [("digest",), ("feeds",), ("reindex",)]
    assert digest.hour == 8 and digest.minute == 0 and str(digest.tzinfo) == "Europe/Kyiv"

    await asyncio.sleep(1.1)  # a recomputed interval job would now get a later next run time
    s2 = await _restart(settings)
    try:
        assert s2.get_job("digest").next_run_time == digest
        assert s2.get_job("reindex").next_run_time == reindex
        assert s2.get_job("digest").func_ref == "bot.scheduler:digest_job"
    finally:
        await _stop(s2)


async def test_a_changed_schedule_replaces_the_stored_job(tmp_path):
    s1 = jobs.start(None, _settings(tmp_path))
    await _stop(s1)
    s2 = await _restart(_settings(tmp_path).model_copy(update={"digest_cron": "30 18 * * 1-5"}))
    try:
        nxt = s2.get_job("digest").next_run_time
        assert (nxt.hour, nxt.minute) == (18, 30) and nxt.weekday() < 5
    finally:
        await _stop(s2)


async def _simulate_downtime(settings, minutes: int) -> None:
    """Rewrite the stored job as a process down for `minutes` would have left it."""
    s = jobs.make_scheduler(settings)
    s.start(paused=True)
    s.modify_job("reindex", next_run_time=datetime.now(timezone.utc) - timedelta(minutes=minutes))
    await _stop(s)


async def test_missed_runs_are_coalesced_into_one_within_the_grace_time(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    settings = _settings(tmp_path)
    await _stop(jobs.start(None, settings))
    await _simulate_downtime(settings, 130)  # due at -130, -70 and -10 minutes; grace is 30

    s = await _restart(settings)
    executed = []
    s.add_listener(lambda e: executed.append(e.job_id), EVENT_JOB_EXECUTED)
    try:
        for _ in range(50):
            await asyncio.sleep(0.02)
        assert _runs(caplog) == 1 and executed == ["reindex"]  # three missed runs, run once
        nxt = s.get_job("reindex").next_run_time
        assert timedelta(minutes=45) < nxt - datetime.now(timezone.utc) <= timedelta(minutes=51)
    finally:
        await _stop(s)


async def test_a_run_missed_beyond_the_grace_time_is_skipped(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    settings = _settings(tmp_path)
    await _stop(jobs.start(None, settings))
    await _simulate_downtime(settings, 170)  # last due run was 50 minutes ago: beyond the 30 min grace

    s = await _restart(settings)
    missed = []
    s.add_listener(lambda e: missed.append(e.job_id), EVENT_JOB_MISSED)
    try:
        for _ in range(50):
            await asyncio.sleep(0.02)
        assert _runs(caplog) == 0
        assert "was missed by" in caplog.text
        assert s.get_job("reindex").next_run_time > datetime.now(timezone.utc)
    finally:
        await _stop(s)
