"""End to end without a model (ANALYST_LLM=none): a wire article arrives through an RSS feed served on
127.0.0.1, is extracted, stored, indexed, contradicts the Kremlin's readout on a number and a date
(the deterministic numeric/date detector), and the contradictions reach the ledger and the digest.
Also: one page by hand (`ingest_url`)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from retrieval.errors import AnalystError
from retrieval.service import Analyst
from tests.contradictions.test_engine import KREMLIN  # the same Kremlin readout the engine tests use
from tests.feeds.conftest import page, rss, sources_yaml


WIRE = ["Russia handed over 22 wounded Ukrainian soldiers who had been treated in Russian hospitals, officials said.",
        "The presidents spoke by telephone on March 25, according to the agency.",
        "Expert groups on the Black Sea are being set up, the agency reported."]


@pytest.fixture
def svc(feed_settings, corpus_dir):
    (corpus_dir / "trump-putin-call-2025-03-18.md").unlink()
    (corpus_dir / "kremlin.md").write_text(KREMLIN, encoding="utf-8")
    service = Analyst(feed_settings(digest_min_confidence=0.1))  # no model: number conflicts are weak evidence
    service.index()
    yield service
    service.close()


def test_a_contradiction_in_a_fetched_article_reaches_the_ledger_and_the_digest(web, svc, corpus_dir):
    link = web.set("/world/prisoners", page("Wire report", WIRE))
    feed = web.set("/wire.rss", rss([{"guid": "w1", "link": link, "title": "Wire report",
                                      "date": "Thu, 20 Mar 2025 12:00:00 GMT"}]), ctype="application/rss+xml")
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"news": [feed]}))

    report = svc.fetch_feeds()
    assert report.feeds[0].new == 1 and report.index.added == 1
    assert report.index.contradictions_new == 2
    found = svc.contradictions("new")
    assert len(found) == 2
    assert all({c.a.doc, c.b.doc} == {"kremlin.md", "news/web/2025-03-20-wire-report.md"} for c in found)
    quotes = " ".join(c.a.quote + " " + c.b.quote for c in found)
    assert "23 injured" in quotes and "22 wounded" in quotes and "March 25" in quotes
    # the web document's side of each pair cites the page it came from; the local file has no address
    for c in found:
        web_side, local_side = (c.a, c.b) if c.a.doc.startswith("news/web/") else (c.b, c.a)
        assert web_side.url == link and local_side.url is None

    from bot.discord.digest import digest_messages

    client = SimpleNamespace(settings=svc.settings, service=svc)
    disputes = svc.disputes("new")
    assert {p for d in disputes for p in d.pairs} == {c.id for c in found}
    messages = digest_messages(client, disputes)
    text = " ".join((m.content or "") + " ".join(e.description or "" for e in m.embeds) for m in messages)
    text += " ".join(f.value for m in messages for e in m.embeds for f in e.fields)
    assert "22 wounded" in text and "23 injured" in text
    assert [i for m in messages for i in m.ids] == [d.id for d in disputes]

    again = svc.fetch_feeds()  # nothing new: no new contradiction either
    assert again.feeds[0].status == "not_modified" and again.index.contradictions_new == 0


def test_one_page_by_hand(web, svc, corpus_dir):
    url = web.set("/statement", page("Statement on talks", WIRE[1:]))
    report, path = svc.ingest_url(url, source="White House")
    assert report.added == 1 and path.parent == corpus_dir / "whitehouse" / "web"
    assert "March 25" in path.read_text(encoding="utf-8")
    report2, path2 = svc.ingest_url(url + "?utm_source=share")  # same article: nothing new
    assert path2 == path and report2.added == 0 and report2.unchanged == 1
    with pytest.raises(AnalystError, match="is not a web page"):
        svc.ingest_url(web.set("/doc.pdf", b"%PDF-1.4", ctype="application/pdf"))
    with pytest.raises(AnalystError, match="link-local"):
        svc.ingest_url("http://169.254.169.254/latest/meta-data/")
