"""The source registry (`corpus/sources.yaml`): ids, display names, aliases and feeds.

    sources:
      kremlin:
        name: The Kremlin
        aliases: [Kremlin, Putin]
        feeds:                                   # optional: RSS or Atom URLs
          - http://en.kremlin.ru/events/president/news/feed
          - {url: https://example.org/rss, every_minutes: 60}
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from retrieval.errors import UnknownSourceError

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")


@dataclass(frozen=True)
class Feed:
    url: str
    every_minutes: int | None = None  # None: ANALYST_FEED_EVERY_MINUTES


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    aliases: tuple[str, ...] = field(default_factory=tuple)
    feeds: tuple[Feed, ...] = field(default_factory=tuple)


class SourceRegistry:
    def __init__(self, sources: list[Source]) -> None:
        self._sources = {s.id: s for s in sources}
        self._alias: dict[str, str] = {}
        for s in sources:
            for name in (s.id, s.name, *s.aliases):
                self._alias.setdefault(_norm(name), s.id)

    @classmethod
    def load(cls, path: Path) -> "SourceRegistry":
        if not path.is_file():
            return cls([])
        return cls.parse(path.read_text(encoding="utf-8"), str(path))

    @classmethod
    def parse(cls, text: str, where: str = "sources.yaml") -> "SourceRegistry":
        """Parse and validate the registry's YAML text; ValueError says what is wrong and where."""
        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a `sources:` mapping")
        items = data.get("sources", data) or {}
        if not isinstance(items, dict):
            raise ValueError(f"{where}: `sources` must map ids to {{name, aliases, feeds}}")
        return cls([_source(str(sid), spec or {}, where) for sid, spec in items.items()])

    def feeds(self) -> list[tuple[str, Feed]]:
        """(source id, feed) for every feed of every source, in file order."""
        return [(s.id, f) for s in self._sources.values() for f in s.feeds]

    def all(self) -> list[Source]:
        return list(self._sources.values())

    def get(self, sid: str) -> Source | None:
        return self._sources.get(sid)

    def __contains__(self, sid: str) -> bool:
        return sid in self._sources

    def lookup(self, name: str) -> str | None:
        """The source id for an id, display name or alias; None when unknown."""
        return self._alias.get(_norm(name))

    def resolve(self, name: str) -> str:
        sid = self.lookup(name)
        if sid is None:
            close = self.suggest(name)
            if close:
                guess = " or ".join(f"{s} ({self.display(s)})" for s in close)
                raise UnknownSourceError(f"Unknown source {name!r}. Did you mean {guess}?")
            known = ", ".join(sorted(self._sources)) or "none"
            raise UnknownSourceError(f"Unknown source {name!r}. Known sources: {known}.")
        return sid

    def suggest(self, name: str, n: int = 2) -> list[str]:
        """Source ids whose id, name or an alias is close to a mistyped `name` (difflib)."""
        close = difflib.get_close_matches(_norm(name), list(self._alias), n=6, cutoff=0.75)
        return list(dict.fromkeys(self._alias[c] for c in close))[:n]

    def display(self, sid: str) -> str:
        s = self._sources.get(sid)
        return s.name if s else sid

    def search(self, prefix: str, limit: int = 25) -> list[Source]:
        """Sources whose id, name or an alias contains `prefix` (for autocomplete)."""
        p = _norm(prefix)
        hits = [s for s in self._sources.values()
                if not p or any(p in _norm(n) for n in (s.id, s.name, *s.aliases))]
        return hits[:limit]

    def alias_items(self) -> list[tuple[str, str]]:
        """(alias as written, source id), longest first: for attribution cue matching."""
        pairs = {(a, s.id) for s in self._sources.values() for a in (s.name, *s.aliases)}
        return sorted(pairs, key=lambda p: -len(p[0]))


def alias_pattern(alias: str) -> str:
    """A regular expression for `alias` as written in text: either apostrophe ("Ukraine's" / "Ukraine’s")."""
    return re.escape(alias.replace("’", "'")).replace("'", "['’]")


def check_id(sid: str, where: str = "sources.yaml") -> str:
    if not _ID.match(sid):
        raise ValueError(f"{where}: source id {sid!r} must be 2-40 lowercase letters, digits, - or _")
    return sid


def _source(sid: str, spec: object, where: str) -> Source:
    check_id(sid, where)
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: source {sid!r} must be a mapping with name, aliases, feeds")
    aliases = spec.get("aliases") or []
    if not isinstance(aliases, list):
        raise ValueError(f"{where}: aliases of {sid!r} must be a list")
    feeds = spec.get("feeds") or []
    if not isinstance(feeds, list):
        raise ValueError(f"{where}: feeds of {sid!r} must be a list of URLs or {{url, every_minutes}}")
    return Source(sid, str(spec.get("name") or sid), tuple(map(str, aliases)),
                  tuple(_feed(f, sid, where) for f in feeds))


def _feed(item: object, sid: str, where: str) -> Feed:
    url, every = (item, None) if isinstance(item, str) else (None, None)
    if isinstance(item, dict):
        url, every = item.get("url"), item.get("every_minutes")
    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url.strip()):
        raise ValueError(f"{where}: feed {item!r} of {sid!r} must be an http(s) URL or {{url, every_minutes}}")
    if every is not None and (not isinstance(every, int) or isinstance(every, bool) or every < 1):
        raise ValueError(f"{where}: every_minutes of feed {url} ({sid!r}) must be a whole number of minutes >= 1")
    return Feed(url.strip(), every)


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower().replace("’", "'"))
