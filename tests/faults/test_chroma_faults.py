"""A Chroma server that goes away: commands fail with one clear line naming the URL (never its
credentials), the same service object recovers when the server returns, and nothing is lost.
Real `chroma run` server on loopback (root `chroma_server` fixture), stopped and restarted."""
from __future__ import annotations

import re

import pytest

from bot.cli import EXIT_ERROR, main
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
