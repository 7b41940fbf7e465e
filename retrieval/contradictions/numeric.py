"""Deterministic conflict checks: the same quantity or date stated differently, no model needed.

"23 injured servicemen" vs "22 wounded soldiers", "a 90-minute call" vs "the call lasted two and a
half hours", "on March 18" vs "on March 25". The quantities are read by `quantities.py`; two conflict
only when they are of the same kind, describe the same thing (a count: the same head noun and something
else in common, and not a qualified part of the other's whole, "35 foreign passengers" of "212
passengers"; a duration: measured the same way, with a word in common nearby; a date or time: two
words in common nearby) and their intervals do not overlap. A value one text rejects conflicts with the
other stating it."""
from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.contradictions.quantities import RUNNING, VAGUE, Quantity, extract_quantities
from retrieval.text.lexicon import uses
from retrieval.text.numbers import unit

_CONDITIONS = {"injured", "killed", "missing", "captured", "detained", "released", "arrested", "evacuated"}
_MARKS = {VAGUE, RUNNING}  # what a phrase says of a count besides its words
SHARED_CONTEXT = 2  # words near a date or time of day that two claims share: one may be only the subject


@dataclass(frozen=True)
class Conflict:
    kind: str
    a: str
    b: str

    def describe(self) -> str:
        noun = {"date": "dates", "weekday": "days", "duration": "durations"}.get(self.kind, "figures")
        return f"different {noun}: \u201c{self.a}\u201d vs \u201c{self.b}\u201d"


def _same_thing(a: Quantity, b: Quantity) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "count":  # the same noun, and something else in common: what the count is of
        if a.head == b.head:
            if (a.phrase - b.phrase - _MARKS) and (b.phrase - a.phrase - _MARKS):
                return False  # "55 Canadian citizens" / "11 citizens of Ukraine": different groups
            ca, cb = a.context & _CONDITIONS, b.context & _CONDITIONS
            if (ca and cb and not ca & cb) or (a.part != b.part and not ca & cb):
                return False  # "3 servicemen injured" / "24 servicemen captured"; a part of another group
            return bool(a.context & b.context) or len(a.phrase & b.phrase) > 1
        # "a toll of 14" (the killed) / "twelve people were killed": a count of a condition (not a part)
        return not (a.part or b.part) and (
            (len(a.phrase) == 1 and a.head in _CONDITIONS and a.head in b.phrase | b.context) or
            (len(b.phrase) == 1 and b.head in _CONDITIONS and b.head in a.phrase | a.context))
    if a.kind == "duration":  # time since an event ("three days after the crash"): the other event too
        shared = len(a.context & b.context)
        return a.head == b.head and shared >= (1 if a.head == "time:length" else SHARED_CONTEXT)
    if a.kind == "clock" and a.head != b.head:
        return False  # "21:22" (local) and "12:22 GMT" can be one moment
    return len(a.context & b.context) >= SHARED_CONTEXT  # "arrived on Thursday for talks" / "talks on Sunday"


def _own(qualifiers: frozenset[str], other_words: set[str]) -> bool:
    """Qualifiers of one count that the other text never uses (as such or as a country's demonym):
    they set its group apart ("foreign passengers"); "three Ukrainian servicemen" against "Ukraine's
    navy said six of its sailors" names no other group."""
    return any(not uses(other_words, q) and not any(uses({q}, w) for w in other_words) for q in qualifiers)


def _words(text: str) -> set[str]:
    return {unit(w) for w in re.findall(r"[A-Za-z]+", text)}


def _part_of_whole(a: Quantity, b: Quantity, words_a: set[str], words_b: set[str]) -> bool:
    """One count qualifies the other's noun ("35 foreign passengers" of "212 passengers") and is no larger:
    a part of the whole, not another figure for it."""
    if a.kind == "count" and b.kind == "count" and (RUNNING in a.phrase) != (RUNNING in b.phrase):
        part, total = (b, a) if RUNNING in a.phrase else (a, b)  # "nine killed on Monday" / "the toll rose to 13"
        return part.high <= total.low
    if a.kind != "count" or a.head != b.head:
        return False
    if a.phrase > b.phrase and _own(a.phrase - b.phrase, words_b):
        return a.high <= b.low
    if b.phrase > a.phrase and _own(b.phrase - a.phrase, words_a):
        return b.high <= a.low
    return False


def _overlap(a: Quantity, b: Quantity) -> bool:
    if a.kind == "date" and "dom" in (a.head, b.head):  # compare the day of the month only
        return a.low % 100 == b.low % 100
    # lengths are converted between units ("404-foot" is 123.1 m): rounding is not a conflict
    eps = 0.015 * max(abs(a.high), abs(b.high)) if a.kind == "length" else 1e-9
    return a.low <= b.high + eps and b.low <= a.high + eps


def find_conflict(a_text: str, b_text: str) -> Conflict | None:
    """The first pair of quantities that describe the same thing with values that cannot both hold,
    unless the texts also agree on that thing somewhere (then the difference is likely a second figure).
    A value one text rejects ("not on the 2nd") conflicts with the other stating it."""
    relation, conflict = quantity_relation(a_text, b_text)
    return conflict if relation == "conflict" else None


def quantity_relation(a_text: str, b_text: str) -> tuple[str, Conflict | None]:
    """How the quantities of two texts relate: "conflict" (same thing, values that cannot both hold),
    "agree" (same thing, compatible values), "different" (both state quantities, but of different
    things: "300 prisoners" vs "40 wounded"), or "none" (at most one of them states any)."""
    qa, qb = extract_quantities(a_text), extract_quantities(b_text)
    if not qa or not qb:
        return "none", None
    wa, wb = _words(a_text), _words(b_text)
    clash: Conflict | None = None
    agree = same = False
    for x in qa:
        for y in qb:
            if not _same_thing(x, y) or (x.negated and y.negated) or _part_of_whole(x, y, wa, wb) \
                    or VAGUE in x.phrase & y.phrase:
                continue
            same = True
            if x.negated or y.negated:  # one rejects a value: a conflict when the other states it
                if _overlap(x, y):
                    clash = clash or Conflict(x.kind, x.surface, y.surface)
            elif _overlap(x, y):
                agree = True
            else:
                clash = clash or Conflict(x.kind, x.surface, y.surface)
    rejected = any(_same_thing(x, y) and _overlap(x, y) and (x.negated != y.negated) for x in qa for y in qb)
    if clash is not None and (rejected or not agree):
        return "conflict", clash
    return ("agree" if agree else "different" if not same else "none"), None
