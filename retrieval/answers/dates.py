"""A question about a named day ("… in his call with Trump on 19 March?") is answered only from
passages about that day: the passage's document is dated that day or the day after (a news report of
the day before), or its text names the day, or a document dated within the following week names its
weekday ("On Wednesday, …").
A readout dated 25 March that never mentions 19 March does not say what was agreed on 19 March, however
many of the question's words it shares. Months alone, weekdays alone and years are not checked here:
they only narrow, and a document dated in April answers "What did the Kremlin say in April …?"."""
from __future__ import annotations

import re
from datetime import date

from retrieval.text import MONTHS, WEEKDAYS

_NAMES = "|".join(MONTHS)
_DAY = re.compile(rf"\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_NAMES})\b"
                  rf"|\b(?P<m2>{_NAMES})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b", re.IGNORECASE)
WEEK = 6  # a report names the weekday of an event at most this many days later ("on Wednesday")


def _days(text: str) -> list[tuple[int, int]]:
    """(day, month) of each day named in `text` ("19 March", "March 19th", "19th of March")."""
    return [(int(m.group("d1") or m.group("d2")), MONTHS.index((m.group("m1") or m.group("m2")).lower()) + 1)
            for m in _DAY.finditer(text)]


def asked_day(question: str) -> tuple[int, int] | None:
    """(day, month) of the one day the question names, or None (no day, or several)."""
    days = {d for d in _days(question) if 1 <= d[0] <= 31}
    return days.pop() if len(days) == 1 else None


def document_date(p) -> date | None:
    """The date of passage `p`'s document (front matter `date`), or None when absent or unreadable."""
    try:
        return date.fromisoformat((p.date or "")[:10])
    except ValueError:
        return None


def about_day(day: tuple[int, int], p, text: str) -> bool:
    """Whether passage `p` (its document's date, and `text`, the passage's text) is about that day."""
    if day in _days(text):
        return True
    dated = document_date(p)
    if dated is None:
        return False
    try:
        asked = date(dated.year, day[1], day[0])
    except ValueError:
        return False
    after = (dated - asked).days
    low = text.lower()
    if after in (0, 1):  # a report of the day, or of the day after (news of the day before)
        return True
    return 0 < after <= WEEK and re.search(rf"\b{WEEKDAYS[asked.weekday()]}\b", low) is not None
