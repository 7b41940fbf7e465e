"""One vocabulary for the core and every front: statuses, relations and dispute kinds.

They are `StrEnum`s, so they compare equal to (and serialise as) their plain strings in JSON, SQLite
and command options. Fronts take their choices from here, never from their own lists."""
from __future__ import annotations

from enum import StrEnum

from retrieval.errors import UsageError

ALL = "all"


class PairStatus(StrEnum):
    """A contradiction pair in the ledger. `retired`: its claims left the corpus (kept, hidden,
    restored to the previous status if they come back)."""

    NEW = "new"
    POSTED = "posted"
    DISMISSED = "dismissed"
    RETIRED = "retired"


class Relation(StrEnum):
    """How two sources stand on one point, in a comparison."""

    AGREE = "agree"
    DIFFER = "differ"
    CONTRADICT = "contradict"
    ONLY_A = "only_a"
    ONLY_B = "only_b"


class DisputeKind(StrEnum):
    """What kind of conflict a pair (and the dispute it belongs to) is: two sources at odds, one source
    changing its account between documents dated apart, or "has not happened" against a later report
    that it did."""

    CONTRADICTION = "contradiction"
    CHANGED_POSITION = "changed position"
    LATER_CONTRADICTED = "later contradicted"


class DisputeStatus(StrEnum):
    """A dispute (contradiction pairs grouped by the point in contention). `new`: confident enough for
    the digest (ANALYST_DIGEST_MIN_CONFIDENCE) and not posted yet; `possible`: not posted and below that
    confidence (listable; posted only if later evidence lifts it over the bar); `posted`: in a digest;
    `dismissed`: by an analyst, with all its pairs, and it stays so across re-indexing."""

    NEW = "new"
    POSTED = "posted"
    DISMISSED = "dismissed"
    POSSIBLE = "possible"


# What backs a dispute (`contradictions/confidence.py`), as a reader is told next to its confidence.
EVIDENCE: dict[str, str] = {
    "corroborated": "independent pairs of statements agree on it",
    "single": "one pair of statements",
    "weak": "weak evidence only",
}


def evidence_text(evidence: str) -> str:
    return EVIDENCE.get(evidence, evidence)


# What a user may ask to list: every status, or all of them.
PAIR_FILTERS: tuple[str, ...] = (*(s.value for s in PairStatus), ALL)
DISPUTE_FILTERS: tuple[str, ...] = (*(s.value for s in DisputeStatus), ALL)


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    """`value` if it is one of `choices`, else a UsageError that lists them."""
    if value not in choices:
        raise UsageError(f"Unknown {what} {value!r}.", hint=f"Choose one of: {', '.join(choices)}.")
    return value
