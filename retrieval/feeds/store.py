"""Writing fetched articles into the corpus: `corpus/<source>/web/<date>-<slug>.md` with front matter
(`source`, `title`, `date`, `url`, `extracted`), written atomically.

Deduplicated twice: by canonical URL (the same article again, perhaps re-titled or linked with
tracking parameters: an unchanged text writes nothing, a changed text updates the same file) and by
content hash (the same text re-posted under another URL writes nothing)."""
from __future__ import annotations

import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from retrieval.db import utc_now
from retrieval.feeds.extract import SUMMARY, Article
from retrieval.feeds.state import FeedDB, Item

log = logging.getLogger(__name__)


@dataclass
class Stored:
    outcome: str  # "new", "updated" or "duplicate"
    path: Path  # the corpus file (absolute)


def store_article(settings: Any, db: FeedDB, source: str, article: Article, *, key: str,
                  feed: str | None = None, stamp: str | None = None) -> Stored:
    corpus = Path(settings.corpus_dir)
    digest = article.hash
    same_url = db.by_canonical(article.url)
    if same_url and same_url.path and (corpus / same_url.path).is_file():
        path = corpus / same_url.path
        if same_url.hash == digest:
            _remember(db, key, source, feed or same_url.feed, article, digest, same_url.path, stamp,
                      "stored" if key == same_url.key else "duplicate")
            return Stored("duplicate", path)
        _write(path, render(source, article))
        _remember(db, same_url.key, source, same_url.feed, article, digest, same_url.path, stamp, "stored")
        if key != same_url.key:
            _remember(db, key, source, feed, article, digest, same_url.path, stamp, "duplicate")
        log.info("updated %s from %s", same_url.path, article.url)
        return Stored("updated", path)
    same_text = db.by_hash(digest)
    if same_text and same_text.path and (corpus / same_text.path).is_file():
        if key != same_text.key:  # (the same key would mean the same URL, handled above)
            _remember(db, key, source, feed, article, digest, same_text.path, stamp, "duplicate")
        log.info("%s repeats %s: not stored again", article.url, same_text.path)
        return Stored("duplicate", corpus / same_text.path)
    path = _free_path(corpus / source / "web", f"{article.date or utc_now()[:10]}-{slug(article.title)}")
    _write(path, render(source, article))
    rel = path.relative_to(corpus).as_posix()
    _remember(db, key, source, feed, article, digest, rel, stamp, "stored")
    log.info("stored %s (%s) from %s", rel, article.extraction, article.url)
    return Stored("new", path)


def _remember(db: FeedDB, key: str, source: str, feed: str | None, article: Article, digest: str,
              rel: str, stamp: str | None, status: str) -> None:
    db.save_item(Item(key=key, source=source, status=status, feed=feed, url=article.url,
                      canonical=article.url, hash=digest, path=rel, stamp=stamp))


def render(source: str, article: Article) -> str:
    title = article.title or article.url
    if article.extraction == SUMMARY:
        title += " (feed summary)"
    meta = {"source": source, "title": title, "date": article.date, "url": article.url,
            "extracted": article.extraction, "fetched": utc_now()}
    front = yaml.safe_dump({k: v for k, v in meta.items() if v}, allow_unicode=True, sort_keys=False,
                           width=10_000)
    return f"---\n{front}---\n{article.text.strip()}\n"


def slug(title: str, limit: int = 60) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    text = "-".join(words)[:limit].rstrip("-")
    return text or "article"


def _free_path(folder: Path, stem: str) -> Path:
    for i in range(1, 1000):
        path = folder / (f"{stem}.md" if i == 1 else f"{stem}-{i}.md")
        if not path.exists():
            return path
    raise OSError(f"too many files named {stem} in {folder}")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".fetch-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
