"""Adding a document to the corpus from an upload or pasted text (the /ingest command).

The upload is checked before anything is written (name, type, size, that it decodes as text and that
its front matter parses), then written atomically under corpus/<source>/ (or corpus/ when no source
is given). An existing file with other content is never overwritten: the new one gets a -2, -3… name."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePath
from typing import Any

from retrieval.errors import DocumentError
from retrieval.corpus.loader import EXTENSIONS, decode, split_front_matter


def _clean_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    if not name or name.startswith("."):
        raise DocumentError(f"Invalid file name {filename!r}.")
    if PurePath(name).suffix.lower() not in EXTENSIONS:
        raise DocumentError(f"{name}: only {', '.join(sorted(EXTENSIONS))} files can be added.")
    return name


def _free_path(folder: Path, name: str, data: bytes) -> Path | None:
    """Where to write: the name itself, or name-N when a different file holds it; None if identical."""
    stem, suffix = PurePath(name).stem, PurePath(name).suffix
    for i in range(1, 1000):
        path = folder / (name if i == 1 else f"{stem}-{i}{suffix}")
        if not path.exists():
            return path
        if path.read_bytes() == data:
            return None
    raise DocumentError(f"{name}: too many files with this name already.")


def save_upload(settings: Any, registry: Any, filename: str, data: bytes, source: str | None) -> Path:
    name = _clean_name(filename)
    if len(data) > settings.max_upload_bytes:
        raise DocumentError(f"{name}: too large ({len(data)} bytes > {settings.max_upload_bytes}, "
                            "ANALYST_MAX_UPLOAD_BYTES).")
    split_front_matter(decode(data, name), name)  # refuse binary, undecodable or broken files up front
    sid = registry.resolve(source) if source else None
    folder = settings.corpus_dir / sid if sid else settings.corpus_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = _free_path(folder, name, data)
    if path is None:  # the same document is already there: re-index it, write nothing
        return folder / name
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
