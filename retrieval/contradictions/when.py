"""Days and times of day read out of a sentence's tokens, for the quantity reader (`quantities.py`).

A date ("18 March", "March 18", "the 9th of March", "on the 9th": a day of an unnamed month), a weekday,
or a time of day as minutes after midnight ("06:12", "6 a.m.", "4:10 p.m.", widened by "shortly after")
with its time zone ("12:22 GMT", "Moscow time"; unsaid is local). A day that only dates a statement
("said on Friday") or bounds a period ("since Tuesday") is not the day of an event (`not_the_event`)."""
from __future__ import annotations

import re

from retrieval.text import MONTHS as MONTH_NAMES
from retrieval.text import WEEKDAYS

MONTHS = {m: i + 1 for i, m in enumerate(MONTH_NAMES)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())} | {"sept": 9})
_ORDINAL = {"st", "nd", "rd", "th"}
_WEEKDAYS = set(WEEKDAYS)

_SPEECH = {"said", "says", "say", "told", "announced", "stated", "added", "declared", "reported", "confirmed",
           "insisted", "claimed", "denied", "wrote", "tweeted"}
_BOUND = {"since", "until", "till", "before", "after", "by", "from"}


def not_the_event(toks: list[str], i: int) -> bool:
    """A day that dates a statement ("said on Friday", "on Sunday said") or bounds a period ("since
    Tuesday", "by the 9th"), not the day something happened: two such days do not conflict."""
    low = [t.lower() for t in toks[max(0, i - 3) : i]]
    prev = [t for t in low if t != "the"]
    if prev and (prev[-1] in _BOUND or prev[-1] in _SPEECH or (prev[-1] == "on" and len(prev) > 1 and prev[-2] in _SPEECH)):
        return True
    after = [t.lower() for t in toks[i + 1 : i + 4] if t.isalpha()]
    return bool(after) and after[0] in _SPEECH


def _day_preposition(toks: list[str], i: int) -> bool:
    """"on the 9th", "since the 2nd", "on 9th": a day, not "the 3rd brigade"."""
    preps = ("on", "since", "until", "till", "by", "from", "before", "after")
    prev = [t.lower() for t in toks[max(0, i - 2) : i]]
    return (len(prev) == 2 and prev[1] == "the" and prev[0] in preps) or (bool(prev) and prev[-1] in preps)


_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2})(?::\d{2})?(?:\s?([ap])\.?m\b\.?)?|\.(\d{2})\s?([ap])\.?m\b\.?|"
                    r"\s?([ap])\.?m\.?)")
_NAMED_TIMES = {"midnight": 0, "noon": 720, "midday": 720}
# "shortly after 6 a.m.": minutes before and after the stated time that the qualifier allows
_CLOCK_QUALIFIERS = {("shortly", "after"): (0, 30), ("just", "after"): (0, 15), ("after",): (0, 180),
                     ("shortly", "before"): (-30, 0), ("just", "before"): (-15, 0), ("before",): (-180, 0),
                     ("about",): (-15, 15), ("around",): (-15, 15), ("approximately",): (-15, 15)}


def _clock_at(toks: list[str], i: int):
    """A time of day ("06:12", "6 a.m.", "6.40 a.m.", "6pm", "midnight") as minutes after midnight,
    widened by its qualifier."""
    m = _CLOCK.fullmatch(toks[i].lower())
    if toks[i].lower() in _NAMED_TIMES:
        t = _NAMED_TIMES[toks[i].lower()]
    elif not m:
        return None
    else:  # "06:12", "4:10 p.m.", "6.40 a.m.", "6pm"
        hour, minute = int(m.group(1)), int(m.group(2) or m.group(4) or 0)
        half = m.group(3) or m.group(5) or m.group(6)
        if half:
            hour = hour % 12 + (12 if half == "p" else 0)
        t = hour * 60 + minute
    lo, hi = next((b for w, b in _CLOCK_QUALIFIERS.items() if [x.lower() for x in toks[max(0, i - len(w)):i]] == list(w)),
                  (0, 0))
    return ("clock", float(t + lo), float(t + hi), _zone(toks, i + 1), frozenset()), i + 1


_GMT = {"gmt", "utc", "z", "greenwich", "zulu"}


def _zone(toks: list[str], j: int) -> str:
    """The time zone a time of day is given in: "gmt" ("12:22 GMT", "02:36 Greenwich time"), a named
    zone ("Moscow time", "EDT"), or "local" (said so, or unsaid): times in two zones are not compared."""
    words = [t for t in toks[j : j + 4] if t not in (",",)]
    if not words:
        return "local"
    first = words[0].lower()
    if first in _GMT:
        return "gmt"
    if re.fullmatch(r"[A-Z]{2,4}T", words[0]):
        return first
    named = []
    for w in words:
        if w.lower() == "time":
            return "gmt" if named and named[0] in _GMT else (" ".join(named) or "local")
        if not w[:1].isupper() and w.lower() != "local":
            break
        named.append(w.lower())
    return "local"


def date_at(toks: list[str], i: int):
    clock = _clock_at(toks, i)
    if clock is not None:
        return clock
    t = toks[i].lower().rstrip(".")
    if t in _WEEKDAYS:
        d = float(sorted(_WEEKDAYS).index(t))
        return ("weekday", d, d, "", frozenset()), i + 1
    if t in MONTHS and i + 1 < len(toks) and toks[i + 1].isdigit() and int(toks[i + 1]) <= 31:
        d = MONTHS[t] * 100 + int(toks[i + 1])
        return ("date", d, d, "", frozenset()), i + 2
    if t.isdigit() and int(t) <= 31 and i + 1 < len(toks) and toks[i + 1].lower().rstrip(".") in MONTHS:
        d = MONTHS[toks[i + 1].lower().rstrip(".")] * 100 + int(t)
        return ("date", d, d, "", frozenset()), i + 2
    if t.isdigit() and 1 <= int(t) <= 31 and i + 1 < len(toks) and toks[i + 1].lower() in _ORDINAL \
            and _day_preposition(toks, i):
        if i + 3 < len(toks) and toks[i + 2].lower() == "of" and toks[i + 3].lower().rstrip(".") in MONTHS:
            d = MONTHS[toks[i + 3].lower().rstrip(".")] * 100 + int(t)  # "the 9th of March"
            return ("date", d, d, "", frozenset()), i + 4
        d = float(int(t))  # "on the 9th": a day of an unnamed month
        return ("date", d, d, "dom", frozenset()), i + 2
    return None
