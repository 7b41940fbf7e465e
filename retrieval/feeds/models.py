"""What a feed poll reports: per feed (`FeedResult`), per fetch run (`FetchReport`, with the index run
it triggered) and per configured feed (`FeedInfo`, for `analyst feeds`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from retrieval.models import IndexReport


@dataclass
class FeedResult:
    """One feed's poll: `status` is "ok", "not_modified" or "error"; `new` counts stored articles."""

    source: str
    url: str
    status: Literal["ok", "not_modified", "error"]
    new: int = 0
    error: str | None = None
    paths: list[str] = field(default_factory=list)  # corpus files written (not in the JSON contract)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "url": self.url, "status": self.status, "new": self.new,
                "error": self.error}


@dataclass
class FetchReport:
    feeds: list[FeedResult] = field(default_factory=list)
    index: IndexReport = field(default_factory=IndexReport)

    def to_dict(self) -> dict[str, Any]:
        return {"feeds": [f.to_dict() for f in self.feeds], "index": self.index.to_dict()}


@dataclass
class FeedInfo:
    source: str
    url: str
    last_polled: str | None = None
    last_new: str | None = None
    items: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
