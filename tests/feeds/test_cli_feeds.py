"""The CLI's feed commands and their JSON contracts, against a real feed server on 127.0.0.1."""
from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.doctor import check_feeds
from tests.feeds.conftest import page, rss, sources_yaml

TEXT = ["The spokesperson said negotiations on a maritime ceasefire would begin in Riyadh on Monday.",
        "Delegations from both countries confirmed their participation in the talks, officials said."]


@pytest.fixture
def run(tmp_path, corpus_dir, monkeypatch, capsys):
    monkeypatch.setenv("ANALYST_LLM", "none")
    monkeypatch.setenv("ANALYST_FETCH_ALLOW_HOSTS", "127.0.0.1")  # the test server, nothing else

    def run(*argv):
        code = main([*argv, "--data-dir", str(tmp_path / "data"), "--corpus", str(corpus_dir)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_fetch_feeds_and_ingest_json_contracts(web, run, corpus_dir):
    link = web.set("/a", page("Talks", TEXT))
    feed = web.set("/rss", rss([{"guid": "a", "link": link, "title": "Talks"}]), ctype="application/rss+xml")
    broken = web.set("/broken", "nope", status=500, ctype="text/plain")
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"whitehouse": [feed, broken]}))

    code, out, _ = run("fetch", "--json")
    data = json.loads(out)
    assert code == 0 and set(data) == {"feeds", "index"}
    assert data["feeds"] == [
        {"source": "whitehouse", "url": feed, "status": "ok", "new": 1, "error": None},
        {"source": "whitehouse", "url": broken, "status": "error", "new": 0, "error": "HTTP 500 Internal Server Error"}]
    assert data["index"]["added"] == 1 and "skipped" in data["index"]

    code, out, _ = run("feeds", "--json")
    rows = json.loads(out)
    assert [set(r) for r in rows] == [{"source", "url", "last_polled", "last_new", "items", "error"}] * 2
    assert rows[0]["items"] == 1 and rows[1]["error"].startswith("HTTP 500")

    code, out, _ = run("fetch")
    assert code == 0 and "not modified" in out and "failed (HTTP 500" in out

    url = web.set("/b", page("Another", TEXT[::-1] + ["A third sentence makes this page different."]))
    code, out, _ = run("ingest", url, "--source", "kremlin", "--json")
    data = json.loads(out)
    assert code == 0 and data["added"] == 1 and data["path"].endswith(".md") and "/kremlin/web/" in data["path"]

    code, _, err = run("ingest", "http://10.0.0.1/internal", "--json")
    assert code == 2 and "10.0.0.1 is a private address: refused" in err


def test_sources_add_and_doctor(run, corpus_dir, tmp_path):
    code, out, _ = run("sources", "add", "tass", "--name", "TASS", "--alias", "TASS agency",
                       "--feed", "https://tass.com/rss/v2.xml", "--json")
    assert code == 0 and json.loads(out)["id"] == "tass"
    code, out, _ = run("sources", "--json")
    assert "tass" in {s["id"] for s in json.loads(out)}
    code, _, err = run("sources", "add", "tass2", "--name", "X", "--feed", "file:///etc/passwd")
    assert code == 2 and "http(s) URL" in err

    from retrieval.settings import Settings

    settings = Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=corpus_dir)
    assert check_feeds(settings).ok and "1 feed(s) across 1 source(s)" in check_feeds(settings).detail
    run("sources", "add", "lan", "--name", "LAN", "--feed", "http://10.0.0.1/feed.xml")
    bad = check_feeds(settings)
    assert not bad.ok and "10.0.0.1 is a private address" in bad.detail


def test_the_console_offers_the_same_commands(web, feed_settings, corpus_dir):
    import io

    from bot.console import Console
    from retrieval.service import Analyst

    link = web.set("/a", page("Talks", TEXT))
    feed = web.set("/rss", rss([{"guid": "a", "link": link, "title": "Talks"}]), ctype="application/rss+xml")
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"whitehouse": [feed]}))
    service = Analyst(feed_settings())
    out = io.StringIO()
    lines = (f"/fetch\n/feeds\n/ingest {web.set('/b', page('More', TEXT[::-1]))} --source kremlin\n"
             "/sources add tass --name TASS --feed https://tass.com/rss/v2.xml\n/sources add\n/quit\n")
    try:
        Console(service, stdin=io.StringIO(lines), stdout=out).run()
    finally:
        service.close()
    text = out.getvalue()
    assert f"{feed}: 1 new" in text and "1 item(s) stored; ok" in text
    assert "Stored as " in text and "/kremlin/web/" in text
    assert "Saved source tass (TASS)" in text and "Which source?" in text
