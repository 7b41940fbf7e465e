"""Polling real RSS and Atom feeds served on 127.0.0.1, through the service, with real indexing:
new, repeated, re-titled and updated items; 304s; boilerplate; failing feeds; private item links."""
from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.corpus.loader import load_document, split_front_matter
from retrieval.service import Analyst
from tests.feeds.conftest import atom, page, rss, sources_yaml

P1 = ["The Kremlin said the presidents discussed a thirty-day pause on strikes against energy facilities.",
      "Officials in Moscow added that expert groups would meet in Riyadh to discuss shipping in the Black Sea."]
P2 = ["The White House said the two leaders agreed that the path to peace starts with an energy ceasefire.",
      "Washington also said technical negotiations on a maritime ceasefire would begin immediately."]


@pytest.fixture
def svc(feed_settings):
    service = Analyst(feed_settings())
    yield service
    service.close()


def _stored(service, path) -> tuple[dict, str]:
    return split_front_matter(Path(path).read_text(encoding="utf-8"), str(path))


def _serve_items(web, n=2, prefix="story"):
    pages = [P1, P2, ["A third article says talks will continue next week in Saudi Arabia, officials said.",
                      "No date for the meeting was announced by either delegation on Thursday evening."]]
    items = []
    for i in range(n):
        link = web.set(f"/{prefix}/{i}", page(f"Story {i}", pages[i]))
        items.append({"guid": f"{prefix}-{i}", "link": link, "title": f"Story {i}",
                      "date": f"Thu, 2{i} Mar 2025 10:00:00 GMT", "summary": f"Summary of story {i}."})
    return items


def test_rss_new_items_then_304_then_nothing_new(web, svc, corpus_dir):
    feed = web.set("/rss", rss(_serve_items(web)), ctype="application/rss+xml; charset=utf-8")
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"kremlin": [feed]}))
    first = svc.fetch_feeds()
    assert [f.to_dict() for f in first.feeds] == [
        {"source": "kremlin", "url": feed, "status": "ok", "new": 2, "error": None}]
    assert first.index.added == 2 and not first.index.skipped
    files = sorted((corpus_dir / "kremlin" / "web").glob("*.md"))
    assert [f.name for f in files] == ["2025-03-20-story-0.md", "2025-03-21-story-1.md"]
    meta, text = _stored(svc, files[0])
    assert meta["source"] == "kremlin" and meta["title"] == "Story 0" and meta["date"] == "2025-03-20"
    assert meta["url"] == web.url("/story/0") and meta["extracted"] == "page"
    assert P1[0] in text and P1[1] in text

    second = svc.fetch_feeds()
    assert second.feeds[0].status == "not_modified" and second.feeds[0].new == 0
    assert web.seen_headers[-1][1].get("If-None-Match")
    assert web.hits["/story/0"] == 1 and second.index.added == 0
    info = svc.feeds()[0].to_dict()
    assert set(info) == {"source", "url", "last_polled", "last_new", "items", "error"}
    assert info["items"] == 2 and info["error"] is None and info["last_new"]
    hits = svc.search("thirty-day pause on strikes against energy facilities", sources=["kremlin"])
    assert hits and hits[0].passage.doc.startswith("kremlin/web/")


def test_without_validators_a_second_poll_fetches_no_page(web, svc, corpus_dir):
    feed = web.set("/rss", rss(_serve_items(web)), ctype="text/xml", validators=False)
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"news": [feed]}))
    assert svc.fetch_feeds().feeds[0].new == 2
    again = svc.fetch_feeds().feeds[0]
    assert (again.status, again.new) == ("ok", 0)
    assert web.hits["/rss"] == 2 and web.hits["/story/0"] == web.hits["/story/1"] == 1


def test_atom_repeated_retitled_reposted_and_updated_items(web, svc, corpus_dir):
    link = web.set("/statement", page("Statement", P2))
    entry = {"id": "urn:statement:1", "title": "Statement", "link": link, "updated": "2025-03-20T10:00:00Z"}
    feed = web.set("/atom", atom([entry]), ctype="application/atom+xml")
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"whitehouse": [feed]}))
    assert svc.fetch_feeds().feeds[0].new == 1
    stored = list((corpus_dir / "whitehouse" / "web").glob("*.md"))
    assert len(stored) == 1

    # repeated in a changed feed and re-titled: same id, same stamp -> not fetched, not stored again
    web.set("/atom", atom([{**entry, "title": "Statement (corrected headline)"}]), ctype="application/atom+xml")
    res = svc.fetch_feeds()
    assert (res.feeds[0].status, res.feeds[0].new, web.hits["/statement"]) == ("ok", 0, 1)

    # re-posted under a new id, same link and stamp -> recognised by its canonical URL, no fetch
    web.set("/atom", atom([{**entry, "id": "urn:statement:1-repost"}]), ctype="application/atom+xml")
    assert svc.fetch_feeds().feeds[0].new == 0 and web.hits["/statement"] == 1

    # the same text re-posted at another URL -> fetched, but recognised by its content hash
    web.set("/statement-copy", page("Statement copy", P2))
    copy = {**entry, "id": "urn:copy", "link": web.url("/statement-copy?utm_source=rss")}
    web.set("/atom", atom([copy]), ctype="application/atom+xml")
    res = svc.fetch_feeds().feeds[0]
    assert (res.new, res.error, web.hits["/statement-copy?utm_source=rss"]) == (0, None, 1)
    assert len(list((corpus_dir / "whitehouse" / "web").glob("*.md"))) == 1

    # updated: a new <updated> stamp and a changed page -> the same file is rewritten and re-indexed
    web.set("/statement", page("Statement", P2 + ["An update said the talks were moved to Jeddah."]))
    web.set("/atom", atom([{**entry, "updated": "2025-03-21T09:00:00Z"}]), ctype="application/atom+xml")
    res = svc.fetch_feeds()
    assert res.feeds[0].new == 1 and res.index.updated == 1 and res.index.added == 0
    assert list((corpus_dir / "whitehouse" / "web").glob("*.md")) == stored
    assert "moved to Jeddah" in _stored(svc, stored[0])[1]


def test_only_the_article_text_is_indexed(web, svc, corpus_dir):
    feed = web.set("/rss", rss(_serve_items(web, 1)), ctype="application/rss+xml")
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"kremlin": [feed]}))
    path = svc.fetch_feeds().feeds[0].paths[0]
    text = _stored(svc, path)[1]
    assert P1[0] in text and P1[1] in text
    for junk in ("SCRIPT-SECRET", "trackingPixel", "COMMENT-TEXT", "cookies", "Subscribe to our newsletter",
                 "Sign in to your account", "font-family", "Markets rally"):
        assert junk not in text, junk
    doc = load_document(Path(path), corpus_dir, svc.registry, max_bytes=10**7)  # what the index read
    assert doc.text == text and doc.title == "Story 0" and doc.source == "kremlin"


def test_unreachable_pages_fall_back_to_the_feed_summary_marked_as_such(web, svc, corpus_dir):
    items = [{"guid": "down", "link": web.set("/down", "oops", status=500), "title": "Briefing",
              "date": "Fri, 21 Mar 2025 10:00:00 GMT",
              "summary": "<p>The press secretary said talks on a <b>ceasefire</b> would resume on Monday.</p>"}]
    feed = web.set("/rss", rss(items), ctype="application/rss+xml")
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"whitehouse": [feed]}))
    res = svc.fetch_feeds()
    assert res.feeds[0].new == 1 and res.index.added == 1
    meta, text = _stored(svc, res.feeds[0].paths[0])
    assert meta["extracted"] == "feed-summary" and meta["title"] == "Briefing (feed summary)"
    assert text.strip() == "The press secretary said talks on a ceasefire would resume on Monday."


def test_broken_feeds_never_stop_the_others_and_back_off(web, svc, corpus_dir, feed_settings):
    good = web.set("/good", rss(_serve_items(web, 1)), ctype="application/rss+xml")
    bad = {
        "slow": web.set("/slow", rss([]), ctype="application/rss+xml", stall_s=10),
        "500": web.set("/500", "server error", status=500, ctype="text/plain"),
        "garbage": web.set("/garbage", "<rss><channel><item><title>broken &&& <<<", ctype="application/xml"),
        "loop": web.set("/loop", status=302, location="/loop2"),
        "html": web.set("/html", "<html><body>not a feed</body></html>"),
    }
    web.set("/loop2", status=302, location="/loop")
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"news": [*bad.values(), good]}))
    svc.settings.fetch_timeout_s = 1.0
    res = {f.url: f for f in svc.fetch_feeds().feeds}
    assert res[good].status == "ok" and res[good].new == 1
    reasons = {k: res[u].error for k, u in bad.items()}
    assert all(res[u].status == "error" and res[u].new == 0 for u in bad.values())
    assert "timed out" in reasons["slow"] and "HTTP 500" in reasons["500"]
    assert "not an RSS or Atom feed" in reasons["garbage"] and "redirect loop" in reasons["loop"]
    assert "'text/html' is not a feed" in reasons["html"]
    infos = {i.url: i for i in svc.feeds()}
    assert infos[bad["500"]].error == reasons["500"] and infos[good].error is None
    st = svc.feed_db.feed(bad["500"], "news")
    assert st.failures == 1 and st.next_due > st.last_polled
    assert svc.fetch_feeds(due_only=True).feeds == []  # nothing is due: interval and backoff
    svc.fetch_feeds()
    assert svc.feed_db.feed(bad["500"], "news").failures == 2  # the wait doubles with each failure


def test_items_pointing_at_private_addresses_are_refused(web, svc, corpus_dir, loopback_only):
    items = [{"guid": "meta", "link": "http://169.254.169.254/latest/meta-data/", "title": "Metadata",
              "summary": "should never be fetched"},
             {"guid": "lan", "link": "http://10.0.0.1/internal", "title": "Internal", "summary": "no"},
             *_serve_items(web, 1)]
    feed = web.set("/rss", rss(items), ctype="application/rss+xml")
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"news": [feed]}))
    res = svc.fetch_feeds().feeds[0]
    assert res.status == "ok" and res.new == 1
    assert res.error.startswith("2 item(s) not stored: http://169.254.169.254/latest/meta-data/: ")
    assert "link-local (cloud metadata) address: refused" in res.error
    assert loopback_only == []  # refused before any connection
    assert len(list((corpus_dir / "news" / "web").glob("*.md"))) == 1  # no summary stored for them
    web.set("/rss", rss(items) + " ", ctype="application/rss+xml")
    again = svc.fetch_feeds().feeds[0]
    assert (again.new, again.error) == (0, None)  # refused items are not retried every poll


def test_the_cap_leaves_the_rest_for_the_next_poll(web, feed_settings, corpus_dir):
    svc = Analyst(feed_settings(feed_max_items=2))
    try:
        feed = web.set("/rss", rss(_serve_items(web, 3)), ctype="application/rss+xml")
        (corpus_dir / "sources.yaml").write_text(sources_yaml({"news": [feed]}))
        assert svc.fetch_feeds().feeds[0].new == 2
        second = svc.fetch_feeds().feeds[0]  # validators were not kept: the feed is read again
        assert (second.status, second.new) == ("ok", 1)
        assert svc.fetch_feeds().feeds[0].status == "not_modified"
    finally:
        svc.close()


def test_a_loopback_feed_is_refused_without_the_allow_flag(web, make_settings, corpus_dir):
    feed = web.set("/rss", rss([]), ctype="application/rss+xml")
    (corpus_dir / "sources.yaml").write_text(sources_yaml({"news": [feed]}))
    svc = Analyst(make_settings())
    try:
        res = svc.fetch_feeds().feeds[0]
        assert res.status == "error" and "loopback address: refused" in res.error
        assert "ANALYST_FETCH_ALLOW_PRIVATE" in res.error and web.hits == {}
    finally:
        svc.close()
