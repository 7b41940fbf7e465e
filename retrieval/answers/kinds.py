"""What kind of answer a question asks for, and whether a text can give it.

"How many …", "How long …", "At what altitude …" ask for a quantity; "On what date …", "In which year
…" ask for a date. A quoted passage with no quantity (or no date) does not answer such a question,
however many of its words it shares: "the agreement on critical minerals" is no answer to "On what
date was the minerals agreement signed?". Quantities and dates are read by the same parser the
contradiction checks use (digits or words, durations, lengths, dates, weekdays)."""
from __future__ import annotations

import re

from retrieval.contradictions.quantities import extract_quantities
from retrieval.text import MONTHS, WEEKDAYS

NUMBER, DATE = "number", "date"
_ASKS = (
    (DATE, re.compile(r"\b(?:(?:on|in|by|from)\s+)?(?:what|which)\s+(?:date|day|year|month)\b|\bwhat\s+time\b",
                      re.IGNORECASE)),
    (NUMBER, re.compile(r"\bhow\s+(?:many|much|long|far|often|old|high|big|large|heavy|fast)\b"
                        r"|\b(?:what|which)\s+(?:number|percentage|share|proportion|altitude|distance|height|"
                        r"age|speed|size|amount|figure|toll|count|sum|total|range|duration)\b", re.IGNORECASE)),
)
_VAGUE_NUMBER = re.compile(r"\b(?:dozens|scores|hundreds|thousands|millions|several|a few|a handful|half|"
                           r"a (?:couple|pair|dozen|hundred|thousand|million))\b", re.IGNORECASE)
# "may" only next to a day number: the modal verb is no date
_DATE_WORDS = re.compile(r"\b(?:(?:19|20)\d\d|%s|%s|yesterday|today|tomorrow|tonight|overnight)\b"
                         r"|\b\d{1,2}\s+may\b|\bmay\s+\d{1,2}\b"
                         % ("|".join(m for m in MONTHS if m != "may"), "|".join(WEEKDAYS)), re.IGNORECASE)


def asked_kind(question: str) -> str | None:
    """NUMBER, DATE, or None when the question does not ask for one."""
    for kind, pattern in _ASKS:
        if pattern.search(question):
            return kind
    return None


def gives(kind: str | None, text: str) -> bool:
    """Whether `text` states something of that kind (always true for no kind)."""
    if kind is None:
        return True
    found = extract_quantities(text)
    if kind == DATE:
        return any(q.kind in ("date", "weekday") for q in found) or bool(_DATE_WORDS.search(text))
    return any(q.kind not in ("date", "weekday") for q in found) or bool(_VAGUE_NUMBER.search(text))
