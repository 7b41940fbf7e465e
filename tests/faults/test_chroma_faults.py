"""A Chroma server that goes away: commands fail with one clear line naming the URL (never its
credentials), the same service object recovers when the server returns, and nothing is lost.
Real `chroma run` server on loopback (root `chroma_server` fixture), stopped and restarted."""
from __future__ import annotations

import re
import signal
import time
import threading

import pytest

from bot.cli import main
from bot.terminal import EXIT_ERROR
from retrieval.errors import StoreUnavailableError

pytestmark = pytest.mark.server
QUESTION = "How many injured Ukrainian servicemen will be handed over?"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")


def with_credentials(url: str) -> str:
    return url.replace("http://", "http://analyst:chroma-pa55word@")


def non_log_lines(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if ln.strip() and not LOG_LINE.match(ln)]


@pytest.mark.parametrize("command", [["ask", QUESTION], ["sources"], ["index"]])
def test_cli_with_chroma_down_prints_one_line_naming_the_url(chroma_server, tmp_path, corpus_dir, capsys,
                                                             cli_env, command):
    url, stop, _ = chroma_server
    stop()
    cli_env.setenv("ANALYST_CHROMA_URL", with_credentials(url))
    rc = main([*command, "--data-dir", str(tmp_path / "d"), "--corpus", str(corpus_dir)])
    out, err = capsys.readouterr()
    assert rc == EXIT_ERROR == 2
    [line] = non_log_lines(err)
    assert line.startswith(f"analyst: Chroma server at {url} is unreachable."), line
    assert "pa55word" not in out + err and "analyst:chroma" not in out + err


def test_same_service_recovers_when_the_server_returns(chroma_server, make_settings):
    from retrieval.service import Analyst

    url, stop, start = chroma_server
    svc = Analyst(make_settings(chroma_url=with_credentials(url)))
    report = svc.index()
    before = svc.ask(QUESTION)
    assert before.grounded and any("23 injured" in c.quote for c in before.citations)

    stop()
    for call in (lambda: svc.search("injured servicemen"), lambda: svc.ask(QUESTION), svc.sources,
                 svc.index):
        with pytest.raises(StoreUnavailableError) as exc:
            call()
        assert str(exc.value).startswith(f"Chroma server at {url} is unreachable.")
        assert "pa55word" not in str(exc.value)

    start()
    after = svc.ask(QUESTION)  # the same object, no restart of the process
    assert after.to_dict() == before.to_dict()
    assert svc.store.count() == report.passages  # nothing lost
    assert svc.index().unchanged == 1
    svc.close()


def test_service_started_while_the_server_is_down_connects_later(chroma_server, make_settings):
    from retrieval.service import Analyst

    url, stop, start = chroma_server
    Analyst(make_settings(chroma_url=url)).index()
    stop()
    svc = Analyst(make_settings(chroma_url=url))  # e.g. the bot came up before Chroma
    with pytest.raises(StoreUnavailableError):
        svc.search("injured servicemen")
    start()
    assert "23 injured" in svc.search("injured servicemen handed over")[0].passage.text
    svc.close()


@pytest.fixture
def own_chroma(tmp_path):
    """A `chroma run` process this test controls directly (to freeze it with SIGSTOP)."""
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    from tests.conftest import free_port

    port = free_port()
    exe = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "frozen"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}", proc
    proc.send_signal(signal.SIGCONT)
    proc.terminate()
    proc.wait(10)


def bounded(fn, limit: float = 120):
    """The result (or exception) of fn() run in a daemon thread; fails if it is still running after
    `limit` seconds. The server never answers, so a call that ends at all was ended by the client's
    own timeout; `limit` only keeps a hang from hanging the test run (speed is `make bench`'s)."""
    out: dict = {}

    def run():
        try:
            out["value"] = fn()
        except Exception as exc:  # noqa: BLE001  (returned to the test to inspect)
            out["value"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), f"still blocked after {limit} s"
    return out["value"]


def test_hung_server_fails_within_the_timeout_and_recovers(own_chroma, make_settings):
    from retrieval.service import Analyst

    url, proc = own_chroma
    svc = Analyst(make_settings(chroma_url=url, chroma_timeout_s=2))
    svc.index(detect=False)
    assert svc.search("injured servicemen handed over")

    proc.send_signal(signal.SIGSTOP)  # the server hangs: connections open, nothing answers
    exc = bounded(lambda: svc.search("injured servicemen"))
    assert isinstance(exc, StoreUnavailableError), exc
    assert str(exc).startswith(f"Chroma server at {url} is unreachable.")

    proc.send_signal(signal.SIGCONT)
    assert "23 injured" in svc.search("injured servicemen handed over")[0].passage.text
    svc.close()


def test_blackholed_server_url_fails_within_the_timeout(tmp_path, corpus_dir, capsys, cli_env):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    cli_env.setenv("ANALYST_CHROMA_URL", url)
    cli_env.setenv("ANALYST_CHROMA_TIMEOUT_S", "2")
    rc = bounded(lambda: main(["sources", "--data-dir", str(tmp_path / "d"), "--corpus", str(corpus_dir)]))
    sock.close()
    [line] = non_log_lines(capsys.readouterr().err)
    assert rc == 2 and line.startswith(f"analyst: Chroma server at {url} is unreachable.")
