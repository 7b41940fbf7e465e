"""URLs as they may appear in messages and logs."""
from __future__ import annotations

from urllib.parse import urlsplit


def safe_url(url: str) -> str:
    """scheme://host:port/path, without credentials, query or trailing slash."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path.rstrip('/')}"
