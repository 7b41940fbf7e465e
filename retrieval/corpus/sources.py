"""The source registry (`corpus/sources.yaml`): ids, display names and aliases."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from retrieval.errors import UnknownSourceError

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    aliases: tuple[str, ...] = field(default_factory=tuple)


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
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items = data.get("sources", data) or {}
        sources = []
        for sid, spec in items.items():
            spec = spec or {}
            sid = str(sid)
            if not _ID.match(sid):
                raise ValueError(f"{path}: source id {sid!r} must be 2-40 lowercase letters, digits, - or _")
            sources.append(Source(sid, str(spec.get("name", sid)), tuple(map(str, spec.get("aliases", [])))))
        return cls(sources)

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
            known = ", ".join(sorted(self._sources)) or "none"
            raise UnknownSourceError(f"Unknown source {name!r}. Known sources: {known}.")
        return sid

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


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower().replace("’", "'"))
