"""The container's main process (`analyst-serve`, run under tini).

Indexes the corpus in /data (incrementally: a restart with the same volume re-indexes nothing),
prints the index report as one JSON line, marks the container ready for the health check, then:

- with DISCORD_TOKEN set: runs the Discord bot (as `analyst bot`);
- without it: stays up headless, so `docker exec CONTAINER analyst ask "..."` and the other CLI
  commands can be used, and watches the Chroma server when one is configured (a log line when it
  goes away and one when it is back).

SIGTERM (`docker stop`) ends it cleanly: the local llama.cpp server child is stopped and the
process exits 0 within the stop grace period."""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path

READY = Path(os.environ.get("ANALYST_READY_FILE", "/tmp/analyst.ready"))
log = logging.getLogger("analyst.serve")


class Stop(BaseException):
    """Raised in the main thread by SIGTERM / SIGINT."""


def _on_signal(signum, _frame):
    log.info("received %s: stopping", signal.Signals(signum).name)
    raise Stop()


def chroma_up(url: str) -> str | None:
    """None when the Chroma server answers its heartbeat, else why not."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/api/v2/heartbeat", timeout=5) as r:
            r.read()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return str(getattr(exc, "reason", exc))


def watch(url: str | None, stop: threading.Event, every_s: float = 10.0) -> None:
    if not url:
        stop.wait()
        return
    down_since = None
    while not stop.wait(every_s):
        why = chroma_up(url)
        if why and down_since is None:
            down_since = time.monotonic()
            log.warning("Chroma server at %s is unreachable (%s); answers and indexing fail until it is back",
                        url, why)
        elif not why and down_since is not None:
            log.info("Chroma server at %s is back after %.0f s", url, time.monotonic() - down_since)
            down_since = None


def main() -> int:
    from bot.logs import setup_logging
    from retrieval.settings import Settings

    settings = Settings()
    setup_logging(settings)
    READY.unlink(missing_ok=True)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    from retrieval.service import Analyst

    service = None
    try:
        service = Analyst(settings)
        started = time.monotonic()
        report = service.index(progress=False)
        print(json.dumps({"index": report.to_dict(), "seconds": round(time.monotonic() - started, 1)}),
              flush=True)
        READY.write_text(str(os.getpid()))
        if settings.discord_token:
            from bot.discord.app import run_bot

            run_bot(service, settings)
            return 0
        log.info("no DISCORD_TOKEN: running headless; use `docker exec <container> analyst ask ...`")
        watch(settings.chroma_url, threading.Event())
        return 0
    except (Stop, KeyboardInterrupt):
        return 0
    finally:
        READY.unlink(missing_ok=True)
        if service is not None:
            service.close()  # stops the local llama.cpp server
        log.info("stopped")


if __name__ == "__main__":
    sys.exit(main())
