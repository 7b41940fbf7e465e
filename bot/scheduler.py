"""APScheduler 3.x inside the bot's event loop, with jobs persisted in `<data_dir>/jobs.sqlite3`.

- `digest`: a cron job (ANALYST_DIGEST_CRON in ANALYST_TIMEZONE) posting the dispute digest;
- `reindex`: an interval job (every ANALYST_REINDEX_MINUTES) re-indexing the corpus, so a document
  dropped into it leads to new contradictions and so to a digest;
- `feeds`: an interval job (every ANALYST_FEEDS_JOB_MINUTES) polling the feeds that are due (each
  feed has its own interval and backoff), storing and indexing new articles.

Jobs have fixed ids and are importable module functions (the SQLAlchemy store pickles references,
not objects); they reach the bot through the module-level `_BOT`. On start an existing stored job
is kept as is when its trigger is unchanged, so its next run time survives a restart and a run
missed while the bot was down is run once (coalesced) if it is within the grace time. (Re-adding
with `replace_existing=True` alone would recompute the next run time from "now" and silently drop
the missed run.)"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from retrieval.errors import AnalystError

log = logging.getLogger(__name__)

DIGEST_JOB, REINDEX_JOB, FEEDS_JOB = "digest", "reindex", "feeds"
DIGEST_GRACE_S = 6 * 3600  # a digest missed by less than this still goes out
_BOT: Any = None  # the running bot, for the jobs


# ---- jobs (module-level, importable as "bot.scheduler:digest_job") ---------------------------
async def digest_job() -> int:
    bot = _BOT
    if bot is None:
        log.warning("digest job: no bot is running")
        return 0
    from bot.discord.digest import post_digest

    await bot.wait_until_ready()
    return (await post_digest(bot)).items


async def reindex_job() -> None:
    bot = _BOT
    if bot is None:
        log.warning("reindex job: no bot is running")
        return
    try:
        report = await asyncio.to_thread(bot.service.index)
    except AnalystError as exc:  # e.g. another index run holds the lock
        log.info("reindex job skipped: %s", exc)
        return
    log.info("reindex: %d added, %d updated, %d removed, %d new contradiction(s), %d skipped",
             report.added, report.updated, report.removed, report.contradictions_new, len(report.skipped))


async def feeds_job() -> None:
    bot = _BOT
    if bot is None:
        log.warning("feeds job: no bot is running")
        return
    try:
        report = await asyncio.to_thread(bot.service.fetch_feeds, True)
    except Exception:  # noqa: BLE001  (e.g. a broken sources.yaml: log it, try again next time)
        log.exception("feeds job failed")
        return
    failed = [f for f in report.feeds if f.status == "error"]
    log.info("feeds: %d polled, %d new article(s), %d failed, %d new contradiction(s)", len(report.feeds),
             sum(f.new for f in report.feeds), len(failed), report.index.contradictions_new)


# ---- scheduler -------------------------------------------------------------------------------
def make_scheduler(settings) -> AsyncIOScheduler:
    settings.ensure_dirs()
    store = SQLAlchemyJobStore(url=f"sqlite:///{(settings.data_dir / 'jobs.sqlite3').resolve()}")
    return AsyncIOScheduler(
        jobstores={"default": store},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": DIGEST_GRACE_S},
        timezone=settings.timezone,
    )


def triggers(settings) -> dict[str, Any]:
    return {
        DIGEST_JOB: CronTrigger.from_crontab(settings.digest_cron, timezone=settings.timezone),
        REINDEX_JOB: IntervalTrigger(minutes=settings.reindex_minutes, timezone=settings.timezone),
        FEEDS_JOB: IntervalTrigger(minutes=settings.feeds_job_minutes, timezone=settings.timezone),
    }


def _same_trigger(a: Any, b: Any) -> bool:
    if type(a) is not type(b) or str(getattr(a, "timezone", "")) != str(getattr(b, "timezone", "")):
        return False
    if isinstance(a, IntervalTrigger):
        return a.interval == b.interval
    return str(a) == str(b)


def ensure_jobs(scheduler: AsyncIOScheduler, settings) -> None:
    """Add the jobs, or keep the stored ones (and their next run times) when unchanged."""
    funcs = {DIGEST_JOB: "bot.scheduler:digest_job", REINDEX_JOB: "bot.scheduler:reindex_job",
             FEEDS_JOB: "bot.scheduler:feeds_job"}
    grace = {DIGEST_JOB: DIGEST_GRACE_S, REINDEX_JOB: max(60, settings.reindex_minutes * 60 // 2),
             FEEDS_JOB: max(60, settings.feeds_job_minutes * 60 // 2)}
    for job_id, trigger in triggers(settings).items():
        job = scheduler.get_job(job_id)
        if job is not None and job.func_ref == funcs[job_id] and _same_trigger(job.trigger, trigger):
            log.info("job %s kept; next run %s", job_id, job.next_run_time)
            continue
        scheduler.add_job(funcs[job_id], trigger, id=job_id, name=job_id, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=grace[job_id])
        log.info("job %s scheduled; next run %s", job_id, scheduler.get_job(job_id).next_run_time)


def start(bot, settings) -> AsyncIOScheduler:
    """Start the scheduler in the running loop (call from `setup_hook`)."""
    global _BOT
    _BOT = bot
    scheduler = make_scheduler(settings)
    scheduler.start(paused=True)  # open the store before reading it; run nothing yet
    ensure_jobs(scheduler, settings)
    scheduler.resume()
    return scheduler


def stop(scheduler: AsyncIOScheduler | None, bot=None) -> None:
    global _BOT
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
    if bot is None or _BOT is bot:
        _BOT = None
