"""The scheduler's `feeds` job: persisted with a fixed id like the digest, and polling only the feeds
that are due when it runs (each feed's own interval and backoff)."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from bot import scheduler as jobs
from retrieval.service import Analyst
from tests.feeds.conftest import page, rss, sources_yaml


async def test_the_feeds_job_is_persisted_and_polls_only_due_feeds(web, feed_settings, corpus_dir):
    settings = feed_settings(feeds_job_minutes=7, digest_channel_id=None)
    link = web.set("/a", page("Readout", ["The Kremlin said the call lasted more than two hours on Tuesday.",
                                          "Both presidents agreed to continue contacts, the Kremlin said."]))
    feed = web.set("/rss", rss([{"guid": "a", "link": link, "title": "Readout"}]), ctype="application/rss+xml")
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"kremlin": [{"url": feed, "every_minutes": 60}]}))

    s = jobs.start(None, settings)
    try:
        job = s.get_job("feeds")
        assert job.func_ref == "bot.scheduler:feeds_job" and job.trigger.interval.total_seconds() == 7 * 60
    finally:
        s.shutdown(wait=False)
        await asyncio.sleep(0.01)

    service = Analyst(settings)
    jobs._BOT = SimpleNamespace(service=service)
    try:
        await jobs.feeds_job()
        assert web.hits == {"/rss": 1, "/a": 1}
        assert list((corpus_dir / "kremlin" / "web").glob("*.md"))
        assert service.feeds()[0].items == 1
        await jobs.feeds_job()  # not due again for an hour: no request at all
        assert web.hits == {"/rss": 1, "/a": 1}
    finally:
        jobs._BOT = None
        service.close()
