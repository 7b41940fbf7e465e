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
    CONTRADICTION = "contradiction"
    CHANGED_POSITION = "changed position"
    LATER_CONTRADICTED = "later contradicted"


# What a user may ask to list: every status, or all of them.
PAIR_FILTERS: tuple[str, ...] = (*(s.value for s in PairStatus), ALL)


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    """`value` if it is one of `choices`, else a UsageError that lists them."""
    if value not in choices:
        raise UsageError(f"Unknown {what} {value!r}.", hint=f"Choose one of: {', '.join(choices)}.")
    return value
