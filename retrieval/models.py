"""Plain data passed between the core and its fronts. `to_dict()` gives the JSON contract."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from retrieval.vocab import DisputeKind, DisputeStatus, PairStatus


@dataclass(frozen=True)
class Document:
    """One loaded file. `doc` is the path relative to the corpus root it was indexed from;
    `text` is the file's text after front matter removal, and all offsets point into it."""

    doc: str
    path: str
    source: str
    title: str
    text: str
    sha: str
    date: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Segment:
    """A run of a document's text attributed to one speaker: text[start:end]."""

    start: int
    end: int
    speaker: str


@dataclass(frozen=True)
class Passage:
    id: str
    doc: str
    source: str
    speaker: str
    title: str
    start: int
    end: int
    text: str
    date: str | None = None
    url: str | None = None

    def metadata(self) -> dict[str, Any]:
        meta = {k: v for k, v in asdict(self).items() if k not in ("id", "text") and v is not None}
        return meta

    @classmethod
    def from_record(cls, pid: str, text: str, meta: dict[str, Any]) -> "Passage":
        return cls(
            id=pid, text=text, doc=meta["doc"], source=meta["source"], speaker=meta["speaker"],
            title=meta.get("title", ""), start=int(meta["start"]), end=int(meta["end"]),
            date=meta.get("date"), url=meta.get("url"),
        )


@dataclass
class Hit:
    passage: Passage
    score: float
    dense: float | None = None
    keyword: float | None = None


@dataclass
class Citation:
    n: int
    source: str
    speaker: str
    doc: str
    title: str
    quote: str
    start: int
    end: int
    date: str | None = None
    url: str | None = None

    @classmethod
    def from_passage(cls, n: int, p: Passage, start: int | None = None, end: int | None = None) -> "Citation":
        s = p.start if start is None else start
        e = p.end if end is None else end
        quote = p.text[s - p.start : e - p.start]
        return cls(n=n, source=p.source, speaker=p.speaker, doc=p.doc, title=p.title,
                   quote=quote, start=s, end=e, date=p.date, url=p.url)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Contested:
    """A live dispute with a pair holding what an answer's citations quote: `cited` are their numbers,
    `against` what those pairs oppose to them (each pair's other claim, verbatim)."""

    id: str
    headline: str
    confidence: float
    status: DisputeStatus
    cited: list[int] = field(default_factory=list)
    against: list[Citation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "headline": self.headline, "confidence": self.confidence, "status": self.status,
                "cited": list(self.cited), "against": [citation_dict(c) for c in self.against]}


@dataclass
class Answer:
    answer: str
    grounded: bool
    mode: Literal["llm", "extractive"]
    citations: list[Citation] = field(default_factory=list)
    note: str | None = None  # e.g. why the extractive fallback was used
    contested: list[Contested] = field(default_factory=list)  # disputes the cited statements are part of

    def to_dict(self) -> dict[str, Any]:
        d = {"answer": self.answer, "grounded": self.grounded, "mode": self.mode,
             "citations": [c.to_dict() for c in self.citations],
             "contested": [c.to_dict() for c in self.contested]}
        if self.note:
            d["note"] = self.note
        return d


@dataclass
class SourceInfo:
    id: str
    name: str
    aliases: list[str]
    documents: int = 0
    passages: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Skipped:
    path: str
    reason: str


@dataclass
class IndexReport:
    documents: int = 0
    passages: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    contradictions_new: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    contradictions_waiting: int = 0  # candidate pairs the model has yet to judge (the next runs do)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["skipped"] = [asdict(s) for s in self.skipped]
        return d


@dataclass(frozen=True)
class Claim:
    """A sentence-level (or finer) assertion, quotable verbatim: document text[start:end]."""

    id: str
    passage_id: str
    doc: str
    source: str
    speaker: str
    title: str
    start: int
    end: int
    text: str
    date: str | None = None
    url: str | None = None  # the document's address (fetched web pages), carried into citations

    def citation(self, n: int = 0) -> Citation:
        return Citation(n=n, source=self.source, speaker=self.speaker, doc=self.doc, title=self.title,
                        quote=self.text, start=self.start, end=self.end, date=self.date, url=self.url)

    @classmethod
    def from_citation(cls, c: Citation, id: str = "") -> "Claim":
        """The claim a citation quotes (its passage id is not kept in a citation)."""
        return cls(id=id, passage_id="", doc=c.doc, source=c.source, speaker=c.speaker, title=c.title,
                   start=c.start, end=c.end, text=c.quote, date=c.date, url=c.url)


@dataclass
class Contradiction:
    """One contradiction pair of the ledger. `dispute`: the id of the dispute it was grouped into;
    `confidence`: that dispute's calibrated confidence (the pair's own `score` is the judge's, which
    does not rank flagged pairs; README, *The digest*)."""

    id: str
    score: float
    explanation: str
    status: PairStatus
    first_seen: str
    a: Citation
    b: Citation
    kind: DisputeKind = DisputeKind.CONTRADICTION
    dispute: str | None = None
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "score": self.score, "explanation": self.explanation,
                "status": self.status, "first_seen": self.first_seen,
                "a": citation_dict(self.a), "b": citation_dict(self.b), "kind": self.kind, "dispute": self.dispute,
                "confidence": self.confidence}


@dataclass
class DisputeSide:
    """One speaker on one side of a dispute (`side` 1 or 2: the two answers to its headline's question;
    a changed position has the same speaker on both), with its claims cited verbatim."""

    speaker: str
    side: int
    citations: list[Citation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "side": self.side, "citations": [citation_dict(c) for c in self.citations]}


@dataclass
class DisputePoint:
    """One pair of a dispute's evidence: what side 1 said (`a`) against what side 2 said (`b`)."""

    pair: str
    score: float
    a: Citation
    b: Citation

    def to_dict(self) -> dict[str, Any]:
        return {"pair": self.pair, "score": self.score, "a": citation_dict(self.a), "b": citation_dict(self.b)}


@dataclass
class Dispute:
    """Contradiction pairs about one point of contention. `confidence`: the share of real conflicts among
    disputes with the same `evidence` (corroborated, single or weak: `contradictions/confidence.py`);
    `strength`: its strongest live pair's judge score; `new_evidence`: a pair joined after it was posted;
    `points`: the pairs its evidence class counts (independent strong pairs, strongest first; or its
    strongest pair), what a reader is shown first."""

    id: str
    headline: str
    kind: DisputeKind
    confidence: float
    status: DisputeStatus
    first_seen: str
    last_seen: str
    sides: list[DisputeSide] = field(default_factory=list)
    pairs: list[str] = field(default_factory=list)
    new_evidence: bool = False
    evidence: str = "single"
    strength: float = 0.0
    points: list[DisputePoint] = field(default_factory=list)

    def speakers(self, side: int | None = None) -> list[str]:
        out: list[str] = []
        for s in self.sides:
            if (side is None or s.side == side) and s.speaker not in out:
                out.append(s.speaker)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "headline": self.headline, "kind": self.kind, "confidence": self.confidence,
                "status": self.status, "first_seen": self.first_seen, "last_seen": self.last_seen,
                "sides": [s.to_dict() for s in self.sides], "pairs": list(self.pairs),
                "new_evidence": self.new_evidence, "evidence": self.evidence, "strength": self.strength,
                "points": [p.to_dict() for p in self.points]}


@dataclass
class Dismissal:
    """What `dismiss(id)` did: `target` is "dispute" or "pair"; `already`: it was dismissed before."""

    target: Literal["dispute", "pair"]
    id: str
    already: bool
    dispute: Dispute | None = None
    pair: Contradiction | None = None

    def to_dict(self) -> dict[str, Any]:
        item = self.dispute if self.target == "dispute" else self.pair
        d = item.to_dict() if item is not None else {"id": self.id}
        d["already_dismissed"] = self.already
        return d


def citation_dict(c: Citation) -> dict[str, Any]:
    """A citation as the JSON contract gives it (without its number, which is an answer's own)."""
    d = c.to_dict()
    d.pop("n", None)
    return d
