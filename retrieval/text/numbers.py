"""Numbers written in digits or words ("twenty two", "a dozen", "1,200", "3.5 million") and the units
they carry (durations in minutes, lengths in metres), with the noun a count is about normalised:
singular, synonyms folded ("wounded" = "injured"). Read by the quantity reader
(`retrieval.contradictions.quantities`) and by compare's topic words."""
from __future__ import annotations

import re

from retrieval.text.lexicon import normalise

UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                    "thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}
TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "m": 1e6}
NUMBER_WORDS = frozenset(UNITS) | frozenset(TENS) | frozenset(SCALES) | {"hundred", "dozen"}
DURATION = {"second": 1 / 60, "minute": 1, "min": 1, "hour": 60, "hr": 60, "day": 1440, "week": 10080,
            "month": 43200, "year": 525600}
_SYNONYMS = {"wounded": "injured", "hurt": "injured", "casualties": "injured", "dead": "killed", "died": "killed",
             "servicemen": "soldier", "servicemens": "soldier", "troops": "soldier", "troop": "soldier",
             "soldiers": "soldier", "fighters": "soldier", "residents": "people", "inhabitants": "people",
             "persons": "people", "civilians": "civilian", "pows": "prisoner", "captives": "prisoner",
             "detainees": "prisoner", "percent": "%", "pct": "%", "injuries": "injured", "injury": "injured",
             "deaths": "killed", "fatalities": "killed", "sailors": "soldier", "sailor": "soldier",
             "marines": "soldier", "airmen": "soldier",
             "seized": "captured", "lives": "killed", "demonstrators": "protester", "demonstrator": "protester",
             "protesters": "protester", "households": "home", "household": "home", "homes": "home",
             "unaccounted": "missing", "arrested": "detained", "electricity": "power"}
LENGTH = {"metre": 1.0, "meter": 1.0, "m": 1.0, "kilometre": 1000.0, "kilometer": 1000.0, "km": 1000.0,
          "mile": 1609.34, "foot": 0.3048, "feet": 0.3048, "ft": 0.3048, "yard": 0.9144}
_PLURAL_UNITS = {"days": "day", "hours": "hour", "mins": "min", "hrs": "hr", "weeks": "week", "years": "year",
                 "months": "month", "minutes": "minute", "seconds": "second", "metres": "metre",
                 "meters": "meter", "kilometres": "kilometre", "kilometers": "kilometer", "miles": "mile",
                 "yards": "yard"}


def unit(w: str) -> str:
    """The word a quantity counts or measures, singular, with synonyms folded ("wounded" → "injured")."""
    w = normalise(w)
    w = _PLURAL_UNITS.get(w, w)
    w = _SYNONYMS.get(w, w)
    if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return _SYNONYMS.get(w, w)


def parse_number(toks: list[str], i: int) -> tuple[float, int] | None:
    """The number starting at toks[i] (digits or words) and the index after it."""
    t = toks[i].lower()
    if t[0].isdigit():
        if not re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?|\d+(\.\d+)?", t):
            return None
        val, j = float(t.replace(",", "")), i + 1
    elif t in ("a", "an") and i + 1 < len(toks) and _is_unitish(toks[i + 1]):
        val, j = _parse_words(toks, i + 1) if toks[i + 1].lower() in ("hundred", "dozen") else (1.0, i + 1)
    elif t == "half" and len(toks) > i + 2 and toks[i + 1].lower() == "a" and toks[i + 2].lower() in (
            "dozen", "hundred", "thousand", "million", "billion"):
        val, j = 0.5 * (12 if toks[i + 2].lower() == "dozen" else 100 if toks[i + 2].lower() == "hundred"
                        else SCALES[toks[i + 2].lower()]), i + 3  # "half a dozen", "half a million"
    elif t in UNITS or t in TENS or t == "dozen":
        val, j = _parse_words(toks, i)
    else:
        return None
    if j < len(toks) and toks[j].lower() in SCALES and (toks[j].lower() not in ("m",) or t[0].isdigit()):
        val, j = val * SCALES[toks[j].lower()], j + 1
    if j + 2 < len(toks) and [x.lower() for x in toks[j : j + 3]] == ["and", "a", "half"]:
        val, j = val + 0.5, j + 3
    return val, j


def _is_unitish(tok: str) -> bool:
    t = unit(tok)
    return t in DURATION or t in ("hundred", "dozen", "half") or t in SCALES


def _parse_words(toks: list[str], i: int) -> tuple[float, int]:
    total, cur, j = 0.0, 0.0, i
    while j < len(toks):
        t = toks[j].lower()
        if t in UNITS or t in TENS:
            cur += UNITS.get(t, TENS.get(t, 0))
        elif t == "hundred":
            cur = max(cur, 1) * 100
        elif t == "dozen":
            cur = max(cur, 1) * 12
        elif t == "and" and j + 1 < len(toks) and (toks[j + 1].lower() in UNITS or toks[j + 1].lower() in TENS):
            pass
        else:
            break
        j += 1
    return total + cur, j
