"""Real HTTP servers on 127.0.0.1 for the feed tests, and a guard that no test connects anywhere else.

`web` is a ThreadingHTTPServer in a thread serving routes the test sets: a body with a content type
(with ETag / Last-Modified validators, answering conditional requests with 304 when enabled), a
redirect, a status, or a response that stalls. It counts requests per path and keeps their headers.

The guard is a Python audit hook on `socket.connect`: while a feed test runs, a connection to any
address outside 127.0.0.0/8 / ::1 is blocked and recorded, so a refusal test proves the fetcher
refused *before* connecting (and nothing ever leaves the machine, even if the fetcher were wrong)."""
from __future__ import annotations

import gzip
import hashlib
import ipaddress
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

_GUARD: dict = {"on": False, "attempts": []}


def _audit(event: str, args: tuple) -> None:
    if event != "socket.connect" or not _GUARD["on"]:
        return
    address = args[1] if len(args) > 1 else None
    if not isinstance(address, tuple) or not address:
        return
    try:
        ip = ipaddress.ip_address(str(address[0]).split("%", 1)[0])
    except ValueError:
        ip = None
    if ip is None or not ip.is_loopback:
        _GUARD["attempts"].append(address)
        raise ConnectionRefusedError(f"test guard: no connections outside loopback ({address[0]})")


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def loopback_only():
    """Every feed test: connections outside loopback are blocked; yields the list of attempts."""
    _GUARD["on"], _GUARD["attempts"] = True, []
    yield _GUARD["attempts"]
    _GUARD["on"] = False


@dataclass
class Route:
    body: bytes = b""
    ctype: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None
    stall_s: float = 0.0  # sleep this long before answering
    validators: bool = True  # send ETag / Last-Modified and honour conditional requests
    gzip: bool = False
    headers: dict = field(default_factory=dict)


class Web:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.seen_headers: list[tuple[str, dict]] = []
        self.stop = threading.Event()
        handler = _handler(self)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, body: str | bytes = b"", **kw) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **kw)
        return self.url(path)

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def _handler(web: Web):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = self.path
            web.hits[path] = web.hits.get(path, 0) + 1
            web.seen_headers.append((path, dict(self.headers)))
            route = web.routes.get(path) or web.routes.get(path.split("?", 1)[0])
            if route is None:
                return self._send(404, b"not found", "text/plain")
            if route.stall_s:
                web.stop.wait(route.stall_s)
            if route.location:
                self.send_response(route.status or 302)
                self.send_header("Location", route.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._answer(route)

        def _answer(self, route: Route) -> None:
            etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
            modified = formatdate(1_700_000_000 + len(route.body), usegmt=True)
            if route.validators and route.status == 200 and (
                    self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since") == modified):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            extra = {"ETag": etag, "Last-Modified": modified} if route.validators else {}
            body = gzip.compress(route.body) if route.gzip else route.body
            if route.gzip:
                extra["Content-Encoding"] = "gzip"
            self._send(route.status, body, route.ctype, {**extra, **route.headers})

        def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass

    return Handler


@pytest.fixture
def web():
    server = Web()
    yield server
    server.close()


@pytest.fixture
def feed_settings(make_settings):
    """Settings for feed tests: only 127.0.0.1 (the test server) is allowed besides public addresses,
    so every other private, loopback or link-local address is still refused."""
    def make(**kw):
        values = dict(fetch_allow_hosts=["127.0.0.1"], fetch_timeout_s=3.0, fetch_connect_timeout_s=2.0)
        values.update(kw)
        return make_settings(**values)

    return make


# ---- documents ---------------------------------------------------------------------------------
def rss(items: list[dict], title: str = "Test wire") -> str:
    parts = []
    for it in items:
        guid = f"<guid isPermaLink=\"false\">{it['guid']}</guid>" if it.get("guid") else ""
        date = f"<pubDate>{it['date']}</pubDate>" if it.get("date") else ""
        parts.append(f"<item><title>{it['title']}</title><link>{it['link']}</link>{guid}{date}"
                     f"<description><![CDATA[{it.get('summary', '')}]]></description></item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.invalid/</link><description>test</description>{''.join(parts)}</channel></rss>")


def atom(entries: list[dict], title: str = "Test statements") -> str:
    parts = []
    for e in entries:
        parts.append(f"<entry><id>{e['id']}</id><title>{e['title']}</title><link href=\"{e['link']}\"/>"
                     f"<updated>{e['updated']}</updated><published>{e.get('published', e['updated'])}</published>"
                     f"<summary>{e.get('summary', '')}</summary></entry>")
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{title}</title><id>urn:test</id><updated>2025-03-20T10:00:00Z</updated>{''.join(parts)}</feed>")


def page(title: str, paragraphs: list[str], canonical: str | None = None) -> str:
    """An article page wrapped in the usual boilerplate: navigation, scripts, styles, a cookie banner,
    related links, reader comments and a footer."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html><html><head><title>{title} | Test Wire</title>{link}
<meta property="og:title" content="{title}"><meta name="date" content="2025-03-20">
<style>.banner {{ color: red }} body {{ font-family: serif }}</style>
<script>var trackingPixel = "SCRIPT-SECRET-TOKEN"; window.dataLayer = [];</script></head>
<body><header><nav><a href="/">Home</a> <a href="/world">World news</a>
<a href="/login">Sign in to your account</a></nav></header>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies.</div>
<main><article><h1>{title}</h1><p class="byline">By Test Reporter</p>{body}</article>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Markets rally on earnings news</a></li></ul></aside>
<section id="comments" class="comments"><h3>Comments</h3>
<div class="comment"><p>COMMENT-TEXT: Great article, totally agree with everything!</p></div></section></main>
<footer><p>Subscribe to our newsletter. Copyright 2025 Test Wire. All rights reserved.</p></footer>
<script>document.write("SCRIPT-SECRET-TOKEN-2")</script></body></html>"""


def sources_yaml(feeds: dict[str, list], extra: str = "") -> str:
    """The shipped registry's sources with the given feeds per source id."""
    lines = ["# test registry", "sources:"]
    names = {"news": "News report", "kremlin": "The Kremlin", "whitehouse": "The White House"}
    aliases = {"news": "[news report]", "kremlin": "[Kremlin, Putin, Russia]", "whitehouse": "[White House, Trump]"}
    for sid, name in names.items():
        lines += [f"  {sid}:", f"    name: {name}", f"    aliases: {aliases[sid]}"]
        if feeds.get(sid):
            lines.append("    feeds:")
        for f in feeds.get(sid, []):
            item = f if isinstance(f, str) else f"{{url: {f['url']}, every_minutes: {f['every_minutes']}}}"
            lines.append(f"      - {item}")
    return "\n".join(lines) + "\n" + extra


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
