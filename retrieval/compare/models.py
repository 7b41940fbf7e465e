"""What `compare` returns: rows of what two sources say (`CompareRow`: contradicts, differs, agrees, only
one says it) and the briefing they make (`CompareResult`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from retrieval.models import Citation, citation_dict
from retrieval.vocab import Relation


@dataclass
class CompareRow:
    relation: Relation
    summary: str
    a: list[Citation] = field(default_factory=list)
    b: list[Citation] = field(default_factory=list)
    topic_label: str = ""  # words drawn from the row's topic's quotes
    change: str | None = None  # where a side changed position over time, what changed and when
    topic: int = -1  # the topic cluster (internal: rows of one topic share it)

    @property
    def dates(self) -> list[str]:
        """The distinct dates of the row's documents, oldest first."""
        return sorted({c.date for c in (*self.a, *self.b) if c.date})

    def to_dict(self) -> dict[str, Any]:
        return {"relation": self.relation, "summary": self.summary, "topic_label": self.topic_label,
                "dates": self.dates, "change": self.change,
                "a": [citation_dict(c) for c in self.a], "b": [citation_dict(c) for c in self.b]}


@dataclass
class CompareResult:
    a: str
    b: str
    topic: str | None
    rows: list[CompareRow] = field(default_factory=list)
    first_page: int = 0  # how many rows (in briefing order) the first screen shows
    since: str | None = None
    summaries: dict[str, int] = field(default_factory=dict)  # model summaries written / rejected
    silent: list[str] = field(default_factory=list)  # of a and b, those with no statement in scope

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "topic": self.topic, "since": self.since,
                "first_page": self.first_page, "silent": self.silent, "rows": [r.to_dict() for r in self.rows]}
