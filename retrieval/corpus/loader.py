"""Loading documents: .md, .txt and .html files with optional YAML front matter
(`source`, `title`, `date`, `url`), decoded carefully, with a clear reason for every file refused."""
from __future__ import annotations

import hashlib
import logging
import os
import re
from datetime import date, datetime
from pathlib import Path

import yaml

from retrieval.errors import DocumentError
from retrieval.models import Document
from retrieval.corpus.sources import SourceRegistry

log = logging.getLogger(__name__)

EXTENSIONS = {".md", ".markdown", ".txt", ".html", ".htm"}
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def discover(root: Path) -> list[Path]:
    """Document files under root (sorted), hidden files and folders excluded."""
    if root.is_file():
        return [root]
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if not name.startswith(".") and p.suffix.lower() in EXTENSIONS:
                found.append(p)
    return found


# Legacy encodings tried when a file is not UTF-8, in order of preference on a tie.
LEGACY_ENCODINGS = ("cp1252", "cp1251", "koi8_r", "cp1250", "iso8859_15", "latin_1")
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
                       rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}"
                       rb"|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def not_a_document(path: Path, sources_path: Path) -> str | None:
    """Why an explicitly named file is not indexed (the source registry, a file type that is no
    document); None for folders, documents and missing paths (a vanished file is un-indexed)."""
    if path.is_dir() or not path.exists():
        return None
    if path.resolve() == sources_path.resolve():
        return "this is the source registry (sources.yaml), not a document"
    if path.suffix.lower() not in EXTENSIONS:
        return f"not a document type Analyst indexes ({', '.join(sorted(EXTENSIONS))})"
    return None


def _mostly_utf8(raw: bytes) -> bool:
    """True when most non-ASCII bytes form valid UTF-8 sequences: a UTF-8 file with a few broken bytes,
    which a legacy decoding would silently turn into mojibake. Legacy text almost never forms them."""
    non_ascii = len(raw.translate(None, bytes(range(0x80))))
    in_sequences = sum(len(m) for m in _UTF8_SEQ.findall(raw))
    return non_ascii > 0 and in_sequences >= non_ascii / 2


def _legacy(raw: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(raw, cp_isolation=list(LEGACY_ENCODINGS)) if m.chaos <= 0.2]
    if not matches:
        return None
    rank = {e: i for i, e in enumerate(LEGACY_ENCODINGS)}
    best = min(matches, key=lambda m: (round(m.chaos, 2), -round(m.coherence, 2),
                                       rank.get(m.encoding, len(rank))))
    return str(best), best.encoding


def decode(raw: bytes, path: str) -> str:
    if not raw.strip():
        raise DocumentError(f"{path}: empty file")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark
        try:
            return _text_or_binary(raw.decode("utf-16"), path)
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{path}: invalid UTF-16 ({exc.reason} at byte {exc.start})") from None
    if b"\x00" in raw[:8192]:
        raise DocumentError(f"{path}: binary content (NUL bytes), not a text document")
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        return _text_or_binary(raw[bom:].decode("utf-8"), path)
    except UnicodeDecodeError as exc:
        where = f"{exc.reason} at byte {exc.start + bom}"
    if bom or _mostly_utf8(raw):
        raise DocumentError(f"{path}: invalid UTF-8 ({where}); the file is damaged or mixes encodings, "
                            "re-save it as UTF-8")
    found = _legacy(raw)
    if found is None:
        raise DocumentError(f"{path}: not valid UTF-8 ({where}) and no legacy encoding fits: "
                            "binary or unknown encoding; re-save it as UTF-8")
    log.warning("%s: not UTF-8, decoded as %s", path, found[1])
    return _text_or_binary(found[0], path)


def _text_or_binary(text: str, path: str) -> str:
    controls = len(_CONTROL.findall(text))
    if controls > max(2, len(text) // 100):
        raise DocumentError(f"{path}: binary content ({controls} control characters), not a text document")
    return text


def split_front_matter(text: str, path: str) -> tuple[dict, str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" (line {line + 2})" if line is not None else ""
        raise DocumentError(f"{path}: broken YAML front matter{where}; fix it or remove it") from None
    if not isinstance(meta, dict):
        raise DocumentError(f"{path}: front matter must be a YAML mapping of keys to values")
    return meta, text[m.end():]


def html_to_text(html: str) -> tuple[str, str | None]:
    """Visible text of an HTML page (scripts, styles and the like removed) and its <title>."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node else None
    for tag in ("script", "style", "noscript", "template", "svg", "iframe", "head", "nav", "footer"):
        for node in tree.css(tag):
            node.decompose()
    body = tree.body or tree.root
    text = body.text(separator="\n", strip=True) if body else ""
    lines = [re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.splitlines()]
    return "\n".join(ln for ln in lines if ln), title


def _source_for(meta: dict, rel: Path, registry: SourceRegistry, default: str, path: str) -> str:
    if meta.get("source"):
        named = str(meta["source"])
        sid = registry.lookup(named)
        if sid is None:
            raise DocumentError(f"{path}: unknown source {named!r} in front matter; {_register_hint(registry, named)}")
        return sid
    if len(rel.parts) > 1:
        sid = registry.lookup(rel.parts[0])
        if sid is None:
            raise DocumentError(f"{path}: folder {rel.parts[0]!r} is not a known source; "
                                f"{_register_hint(registry, rel.parts[0])} or set `source:` in front matter")
        return sid
    return default


def _register_hint(registry: SourceRegistry, name: str) -> str:
    """What to do about an unknown source: the registered one it is close to, or how to register it."""
    close = registry.suggest(name)
    if close:
        return "did you mean " + " or ".join(repr(s) for s in close) + "?"
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")[:40] or "ID"
    return f"register it with `analyst sources add {slug} --name \"…\"` (or add it to corpus/sources.yaml)"


# front matter dates as people write them, besides ISO: "19 March 2025", "March 19, 2025", "2025/03/19"
_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%Y/%m/%d")


def _date(value: object, path: str = "") -> str | None:
    """The front matter's date as ISO (YYYY-MM-DD, or a full timestamp when it gives one). A date in
    another common form is converted; one that cannot be read is dropped with a warning, since every
    later use (dated answers, "changed position", `--since`) compares ISO dates."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = " ".join(str(value).replace(".", " ").split()) if value else ""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat() if "T" in text \
            else date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text), fmt).date().isoformat()
        except ValueError:
            continue
    log.warning("%s: front matter date %r is not a date this reads (use YYYY-MM-DD); indexed undated", path, value)
    return None


def load_document(path: Path, root: Path, registry: SourceRegistry, *, max_bytes: int,
                  default_source: str = "news") -> Document:
    rel = path.relative_to(root) if path != root else Path(path.name)
    shown = rel.as_posix()
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root.resolve()):
            raise DocumentError(f"{shown}: symlink pointing outside the corpus ({target}); not followed")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(f"{shown}: too large ({size / 1e6:.1f} MB > limit {max_bytes / 1e6:.1f} MB, "
                                "ANALYST_MAX_FILE_BYTES)")
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    text = decode(raw, shown)
    meta, body = split_front_matter(text, shown)
    title = meta.get("title")
    if path.suffix.lower() in (".html", ".htm"):
        body, html_title = html_to_text(body)
        title = title or html_title
    if not body.strip():
        raise DocumentError(f"{shown}: no text after front matter")
    source = _source_for(meta, rel, registry, default_source, shown)
    return Document(
        doc=shown, path=str(path), source=source, title=str(title or path.stem.replace("-", " ")),
        text=body, sha=hashlib.sha256(raw).hexdigest(), date=_date(meta.get("date"), shown),
        url=str(meta["url"]) if meta.get("url") else None,
    )
