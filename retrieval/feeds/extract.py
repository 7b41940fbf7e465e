"""From fetched bytes to text: feeds (feedparser) and articles (trafilatura).

A page's main text is extracted without navigation, scripts, ads or reader comments; its title,
date and canonical URL come from the page's metadata. When the page cannot be had (down, not HTML,
no article text in it), the feed entry's own summary is used instead and marked as such."""
from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from retrieval.feeds.fetch import FetchError

log = logging.getLogger(__name__)
SUMMARY = "feed-summary"
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|rss|ref)$", re.I)


@dataclass
class Entry:
    """One item of a feed."""

    key: str  # the entry's id, else its link
    link: str | None
    title: str
    summary: str  # HTML or text, as the feed gave it
    date: str | None  # published (else updated), YYYY-MM-DD
    stamp: str | None  # updated (else published) as given: a change marks an updated item


@dataclass
class Article:
    url: str  # canonical URL
    title: str
    date: str | None
    text: str
    extraction: str  # "page" or "feed-summary"
    heading: str = ""  # the page's own title, as it may head the text

    @property
    def hash(self) -> str:
        return content_hash(self.text, self.heading or self.title)


def content_hash(text: str, title: str = "") -> str:
    """Hash of the text, whitespace and case aside, without a leading heading that repeats the title
    (so the same article re-posted under another headline hashes the same)."""
    norm = re.sub(r"\s+", " ", text).strip().lower()
    head = re.sub(r"\s+", " ", title).strip().lower()
    if head and norm.startswith(head + " "):
        norm = norm[len(head) + 1:]
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    p = urlsplit(url.strip())
    host = (p.hostname or "").lower()
    port = f":{p.port}" if p.port and p.port != {"http": 80, "https": 443}.get(p.scheme) else ""
    query = urlencode([(k, v) for k, v in parse_qsl(p.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((p.scheme.lower(), host + port, p.path or "/", query, ""))


# ---- feeds ---------------------------------------------------------------------------------
def parse_feed(body: bytes, url: str, content_type: str = "") -> list[Entry]:
    """The entries of an RSS or Atom document; FetchError when it is neither."""
    import feedparser

    parsed = feedparser.parse(io.BytesIO(body), response_headers={
        "content-location": url, "content-type": content_type or "application/xml"})
    entries = [e for e in (_entry(raw) for raw in parsed.entries) if e is not None]
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not entries and (problem or not parsed.get("version")):
        raise FetchError(f"not an RSS or Atom feed ({_short(problem) if problem else 'no feed elements'})")
    if problem:
        log.info("feed %s is not well-formed (%s); using its %d entries", url, _short(problem), len(entries))
    return entries


def _entry(raw: Any) -> Entry | None:
    link = raw.get("link") or None
    key = raw.get("id") or link
    if not key:
        return None
    summary = raw.get("summary") or ""
    if not summary and raw.get("content"):
        summary = raw["content"][0].get("value") or ""
    published = raw.get("published_parsed") or _own(raw, "updated_parsed")
    stamp = _own(raw, "updated") or raw.get("published")
    return Entry(key=str(key), link=link, title=_clean(raw.get("title") or ""), summary=summary,
                 date=_ymd(published), stamp=stamp)


def _own(raw: Any, key: str) -> Any:
    """The entry's own value (feedparser maps a missing `updated` to `published`, with a warning)."""
    return dict.get(raw, key)


def _ymd(struct: Any) -> str | None:
    if not struct:
        return None
    try:
        return datetime(*struct[:6], tzinfo=timezone.utc).date().isoformat()
    except (TypeError, ValueError):
        return None


# ---- pages ---------------------------------------------------------------------------------
def from_page(html: str, url: str) -> Article | None:
    """The article in an HTML page (main text only), or None when there is no article text."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      include_tables=True, include_images=False, include_links=False,
                                      favor_precision=True, deduplicate=False)  # (its cache spans documents)
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if len(text) < 40:
        return None
    canonical = getattr(doc, "url", None) or url
    if not canonical.startswith(("http://", "https://")):
        canonical = url
    title = _clean(getattr(doc, "title", None) or "")
    return Article(url=canonical_url(canonical), title=title, date=_date(getattr(doc, "date", None)),
                   text=_tidy(text), extraction="page", heading=title)


def from_summary(entry: Entry, url: str) -> Article | None:
    """The feed entry's own summary as a stand-in for the page; None when it has no text."""
    text = summary_text(entry.summary)
    if not text.strip():
        return None
    return Article(url=canonical_url(url), title=entry.title, date=entry.date, text=_tidy(text),
                   extraction=SUMMARY)


def summary_text(html: str) -> str:
    """A feed summary's text: inline markup joined, one line per block (paragraph, list item, break)."""
    from selectolax.lexbor import LexborHTMLParser

    if not html.strip():
        return ""
    marked = re.sub(r"(?i)<(br|/p|/div|/li|/h[1-6]|/blockquote|/tr)\b[^>]*>", lambda m: m.group(0) + "\n", html)
    tree = LexborHTMLParser(f"<html><body>{marked}</body></html>")
    for node in tree.css("script, style, noscript, template, iframe"):
        node.decompose()
    return tree.body.text(separator="") if tree.body else ""


def _date(value: Any) -> str | None:
    if not value:
        return None
    m = re.match(r"\d{4}-\d{2}-\d{2}", str(value))
    return m.group(0) if m else None


def _tidy(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.splitlines()]
    return "\n\n".join(ln for ln in lines if ln)


def _clean(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip()


def _short(exc: Any) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
