"""The safe fetcher against a real local server: address checks after DNS and on every redirect,
schemes, redirect loops, the deadline, the size cap, content types, conditional requests."""
from __future__ import annotations

import time

import pytest

from retrieval.feeds import fetch
from retrieval.feeds.fetch import PAGE_TYPES, AddressPolicy, FetchError


def _get(url, settings, **kw):
    return fetch.get(url, settings, kinds=PAGE_TYPES, **kw)


def test_loopback_is_refused_without_the_allow_flag(web, make_settings, loopback_only):
    url = web.set("/page", "<p>hello</p>")
    with pytest.raises(FetchError) as err:
        _get(url, make_settings())  # ANALYST_FETCH_ALLOW_PRIVATE unset, no allowed hosts
    assert err.value.blocked
    assert "127.0.0.1 is a loopback address: refused" in err.value.user_message
    assert "ANALYST_FETCH_ALLOW_PRIVATE" in err.value.user_message
    assert web.hits == {}  # refused before connecting


def test_the_allow_flag_lets_loopback_through(web, make_settings):
    url = web.set("/page", "<p>hello</p>")
    resp = _get(url, make_settings(fetch_allow_private=True))
    assert resp.status == 200 and resp.body == b"<p>hello</p>" and resp.charset == "utf-8"


@pytest.mark.parametrize("target, kind", [
    ("http://169.254.169.254/latest/meta-data/iam/", "link-local (cloud metadata)"),
    ("http://10.0.0.1/admin", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://[::1]:{port}/page", "loopback"),
    ("http://127.0.0.2:{port}/page", "loopback"),
    ("http://0.0.0.0:{port}/page", "unspecified"),
])
def test_a_redirect_to_a_private_address_is_refused_even_with_loopback_allowed(
        web, feed_settings, loopback_only, target, kind):
    port = web.server.server_address[1]
    web.set("/page", "<p>secret</p>")
    url = web.set("/go", status=302, location=target.format(port=port))
    with pytest.raises(FetchError) as err:
        _get(url, feed_settings())  # 127.0.0.1 is allowed: the redirect's target is not
    assert err.value.blocked and f"a {kind} address: refused" in err.value.user_message
    assert web.hits == {"/go": 1} and loopback_only == []  # no connection was even attempted


def test_address_policy_classifies_without_connecting():
    policy = AddressPolicy()
    for ip in ("169.254.169.254", "10.1.2.3", "172.16.0.1", "192.168.0.1", "127.0.0.1", "::1",
               "fc00::1", "fe80::1", "::ffff:10.0.0.1", "100.64.0.1", "0.0.0.0", "224.0.0.1"):
        assert policy.refusal("h", ip), ip
    assert policy.refusal("h", "93.184.216.34") is None
    assert AddressPolicy(allow_hosts=["10.0.0.0/8"]).refusal("h", "10.9.9.9") is None
    assert AddressPolicy(allow_hosts=["10.0.0.0/8"]).refusal("h", "169.254.169.254")
    assert AddressPolicy(allow_private=True).refusal("h", "169.254.169.254") is None


@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "only http and https"),
    ("ftp://127.0.0.1/x", "only http and https"),
    ("gopher://127.0.0.1:70/", "only http and https"),
    ("http://user:pw@127.0.0.1/", "credentials"),
    ("/relative/path", "only http and https"),
])
def test_only_plain_http_and_https(url, reason, feed_settings):
    with pytest.raises(FetchError) as err:
        _get(url, feed_settings())
    assert reason in err.value.user_message and err.value.blocked


def test_redirect_loop_and_long_chains_stop(web, feed_settings):
    web.set("/a", status=302, location="/b")
    web.set("/b", status=301, location=web.url("/a"))
    with pytest.raises(FetchError, match="redirect loop"):
        _get(web.url("/a"), feed_settings())
    for i in range(8):
        web.set(f"/c{i}", status=307, location=f"/c{i + 1}")
    with pytest.raises(FetchError, match="too many redirects"):
        _get(web.url("/c0"), feed_settings(fetch_max_redirects=3))
    assert web.hits.get("/c4") is None  # stopped after 3 redirects


def test_a_redirect_to_an_allowed_page_is_followed(web, feed_settings):
    web.set("/new", "<p>moved here</p>")
    resp = _get(web.set("/old", status=301, location="/new"), feed_settings())
    assert resp.url == web.url("/new") and resp.body == b"<p>moved here</p>"


def test_one_deadline_covers_a_stalled_server(web, feed_settings):
    url = web.set("/slow", "<p>late</p>", stall_s=10)
    with pytest.raises(FetchError, match="timed out after 1 s"):  # the page would have come after 10 s
        _get(url, feed_settings(fetch_timeout_s=1.0))


def test_size_cap_with_and_without_compression(web, feed_settings):
    settings = feed_settings(fetch_max_bytes=10_000)
    with pytest.raises(FetchError, match="too large"):
        _get(web.set("/big", b"x" * 20_000), settings)
    bomb = web.set("/bomb", b"<p>" + b"a" * 5_000_000 + b"</p>", gzip=True)
    with pytest.raises(FetchError, match="too large"):
        _get(bomb, settings)
    small = web.set("/small", b"<p>" + b"a" * 5000 + b"</p>", gzip=True)
    assert len(_get(small, settings).body) == 5007


def test_content_types_are_checked(web, feed_settings):
    with pytest.raises(FetchError, match="'image/png' is not a web page"):
        _get(web.set("/img", b"\x89PNG", ctype="image/png"), feed_settings())
    with pytest.raises(FetchError, match="is not a feed"):
        fetch.get(web.set("/page", "<p>x</p>"), feed_settings(), kinds=fetch.FEED_TYPES)


def test_errors_are_reported_by_status(web, feed_settings):
    with pytest.raises(FetchError, match="HTTP 500") as err:
        _get(web.set("/err", "boom", status=500), feed_settings())
    assert err.value.status == 500 and not err.value.blocked
    with pytest.raises(FetchError, match="HTTP 503") as err:
        _get(web.set("/busy", "later", status=503, headers={"Retry-After": "120"}), feed_settings())
    assert err.value.retry_after == 120


def test_conditional_requests_get_304(web, feed_settings):
    url = web.set("/feed", "<rss/>", ctype="application/rss+xml")
    first = fetch.get(url, feed_settings(), kinds=fetch.FEED_TYPES)
    assert first.status == 200 and first.etag and first.last_modified
    again = fetch.get(url, feed_settings(), kinds=fetch.FEED_TYPES, etag=first.etag)
    assert again.status == 304 and again.body == b""
    headers = web.seen_headers[-1][1]
    assert headers["If-None-Match"] == first.etag and headers["User-Agent"].startswith("AnalystBot/")


def test_gzip_is_decoded(web, feed_settings):
    assert _get(web.set("/gz", "<p>zipped</p>", gzip=True), feed_settings()).body == b"<p>zipped</p>"
