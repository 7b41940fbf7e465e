"""Adding a source (or aliases and feeds to an existing one) to `sources.yaml`, safely.

The change is made on the text: only the source's own entry is (re)written, appended at the end of
the `sources:` mapping for a new source, so the file's other lines and comments stay as they are
(comments inside a rewritten entry are lost). The result is parsed and checked before it replaces
the file atomically, under a lock so two edits cannot interleave. A file whose `sources:` mapping is
not in block style is rewritten whole (its comments are then lost, and the log says so)."""
from __future__ import annotations

import fcntl
import logging
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import yaml

from retrieval.corpus.sources import Source, SourceRegistry, _feed, _norm, check_id

log = logging.getLogger(__name__)
_SOURCES_LINE = re.compile(r"^sources:[ \t]*(#.*)?$")


def add_source(path: Path, sid: str, name: str | None = None, aliases: Sequence[str] = (),
               feeds: Sequence[str] = ()) -> Source:
    """Add source `sid`, or merge new aliases and feeds into it (and rename it when `name` is given)."""
    check_id(sid, "source")
    new_feeds = [_feed(u.strip(), sid, "source").url for u in feeds]
    with _locked(path):
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        registry = SourceRegistry.parse(text, str(path))
        spec = _merged(registry, sid, name, aliases, new_feeds)
        new_text = _with_entry(text, sid, spec)
        expected = SourceRegistry.parse(yaml.safe_dump({"sources": {sid: spec}})).get(sid)
        if SourceRegistry.parse(new_text, str(path)).get(sid) != expected:
            raise ValueError(f"{path}: the edit could not be made safely; edit the file by hand")
        _write_atomic(path, new_text)
    log.info("sources.yaml: source %s saved (%d alias(es), %d feed(s))", sid, len(spec["aliases"]),
             len(spec.get("feeds", [])))
    return expected


def _merged(registry: SourceRegistry, sid: str, name: str | None, aliases: Sequence[str],
            feeds: Sequence[str]) -> dict:
    old = registry.get(sid)
    if old is None and not (name and name.strip()):
        raise ValueError(f"new source {sid!r} needs a name (--name)")
    for alias in aliases:
        owner = registry.lookup(alias)
        if owner is not None and owner != sid:
            raise ValueError(f"alias {alias!r} already names source {owner!r}")
    all_aliases = list(old.aliases) if old else []
    for alias in (a.strip() for a in aliases if a.strip()):
        if _norm(alias) not in {_norm(a) for a in all_aliases}:
            all_aliases.append(alias)
    spec: dict = {"name": (name or "").strip() or old.name, "aliases": all_aliases}
    old_feeds = [_feed_item(f) for f in old.feeds] if old else []
    urls = {f.url for f in old.feeds} if old else set()
    spec_feeds = old_feeds + [u for u in dict.fromkeys(feeds) if u not in urls]
    if spec_feeds:
        spec["feeds"] = spec_feeds
    return spec


def _feed_item(feed) -> str | dict:
    return {"url": feed.url, "every_minutes": feed.every_minutes} if feed.every_minutes else feed.url


def _entry_lines(sid: str, spec: dict, indent: str) -> list[str]:
    dumped = yaml.safe_dump({sid: spec}, default_flow_style=None, sort_keys=False, allow_unicode=True,
                            width=10_000)
    return [indent + line + "\n" for line in dumped.splitlines()]


def _with_entry(text: str, sid: str, spec: dict) -> str:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    head = next((i for i, ln in enumerate(lines) if _SOURCES_LINE.match(ln.rstrip("\n"))), None)
    if head is None:
        return _rewritten(text, sid, spec)
    end = head + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#"):
        end += 1
    body = [i for i in range(head + 1, end) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
    indent = re.match(r"[ \t]*", lines[body[0]]).group(0) if body else "  "
    entry = _entry_lines(sid, spec, indent)
    start = next((i for i in body if re.match(rf"{re.escape(indent)}['\"]?{re.escape(sid)}['\"]?:", lines[i])), None)
    if start is None:  # a new source: after the mapping's last line
        at = (body[-1] + 1) if body else head + 1
        return "".join(lines[:at] + entry + lines[at:])
    stop = start + 1
    deeper = len(indent)
    while stop < end and (not lines[stop].strip() or _indent(lines[stop]) > deeper):
        stop += 1
    while stop > start + 1 and not lines[stop - 1].strip():  # keep blank lines that separate entries
        stop -= 1
    return "".join(lines[:start] + entry + lines[stop:])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _rewritten(text: str, sid: str, spec: dict) -> str:
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        data = {}
    sources = data.get("sources") if "sources" in data else data
    sources = dict(sources or {})
    sources[sid] = spec
    if any(k.lstrip().startswith("#") for k in text.splitlines()):
        log.warning("sources.yaml is not in block style: rewritten whole, its comments are lost")
    return yaml.safe_dump({"sources": sources}, default_flow_style=None, sort_keys=False,
                          allow_unicode=True, width=10_000)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent / f".{path.name}.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write_atomic(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
