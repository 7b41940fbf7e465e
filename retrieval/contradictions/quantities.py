"""Quantities and dates read out of a sentence, for the deterministic conflict check (`numeric.py`).

Numbers may be digits or words ("twenty two", "a dozen", "1,200", "3.5 million"). Each quantity becomes
an interval (qualifiers such as "more than", "about" or "less than" widen it) with its kind (count,
duration, date, weekday, clock, percent, money, length), what it counts (the head noun, synonyms folded:
"wounded" = "injured"), what a duration is measured from ("behind schedule" is a delay, "into the
flight" time elapsed) and the words around it. A value the sentence itself rejects ("on the 9th, not on
the 2nd"; "rather than 300") is marked `negated`. Fractions of units are normalised ("three quarters of
an hour" = 45 minutes, "half an hour", "an hour-long call"), times of day are minutes after midnight
("06:12", "6 a.m.", "shortly after 6 a.m."), and a bare ordinal day ("on the 9th") is a date whose month
is unknown (compared by day of the month)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from retrieval.text import STOPWORDS
from retrieval.contradictions.when import date_at, not_the_event
from retrieval.text.numbers import DURATION, LENGTH, TENS, UNITS, parse_number, unit

# codes glued to letters ("PS752", "F-16", "G7") are names, not numbers; punctuation is kept as tokens
# so a counted noun phrase never runs across a comma or a bracket
# (times of day, "06:12" and "6 a.m.", are one token each)
_TOKEN = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\b\.?)?|\d{1,2}\.\d{2}\s?[ap]\.?m\b\.?|\d{1,2}\s?[ap]\.?m\b\.?|"
                    r"[A-Za-z]+-?\d[\w-]*|\d+(?!(?:st|nd|rd|th)\b)[A-Za-z]\w*|\$|%|"
                    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[A-Za-z]+(?:['’][a-z]+)?|[,;:()\[\]“”\"]")
_QUALIFIERS = {("more", "than"): (1, None), ("over",): (1, None), ("at", "least"): (1, None),
               ("nearly",): (0.8, 1), ("almost",): (0.8, 1), ("about",): (0.8, 1.2), ("around",): (0.8, 1.2),
               ("roughly",): (0.8, 1.2), ("approximately",): (0.8, 1.2), ("some",): (0.8, 1.2),
               ("up", "to"): (0, 1), ("less", "than"): (0, 1), ("fewer", "than"): (0, 1), ("under",): (0, 1),
               ("at", "most"): (0, 1), ("several",): (0, None)}
_PHRASAL = set("hand hands handed handing turn turns turned turning take takes took taken taking pass passed "
               "passing hold held win won rule ruled fight fought talk talked sign signed give gave given".split())
_STOP = STOPWORDS | {"more", "most", "here", "during", "since", "told"}


@dataclass(frozen=True)
class Quantity:
    kind: str  # count | duration | date | weekday | clock | percent | money | length
    low: float
    high: float
    head: str  # what is counted (count), "time:<what it is measured from>" (duration), "" otherwise
    phrase: frozenset[str]
    context: frozenset[str]
    surface: str
    negated: bool = False  # "not on the 2nd", "rather than 300": a value the sentence rejects
    part: bool = False  # a partitive count, "six of its sailors": a part of a group named elsewhere


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _qualifier(toks: list[str], i: int) -> tuple[float, float | None]:
    for words, bounds in _QUALIFIERS.items():
        n = len(words)
        if i - n >= 0 and tuple(t.lower() for t in toks[i - n : i]) == words:
            if words == ("over",) and i >= 2 and toks[i - 2].lower() in _PHRASAL:
                continue  # "hand over 22 soldiers"
            return bounds
    return 1.0, 1.0


def _context(toks: list[str], lo: int, hi: int, width: int = 5) -> frozenset[str]:
    words = [toks[k] for k in range(max(0, lo - width), min(len(toks), hi + width))
             if k < lo or k >= hi]
    return frozenset(unit(w) for w in words if w.isalpha() and w.lower() not in _STOP and len(w) > 2)


def extract_quantities(text: str) -> list[Quantity]:
    """The dates and quantities in `text`, in order (a claim is compared with many others: the reading
    of each text is kept)."""
    return list(_quantities(text))


@lru_cache(maxsize=8192)
def _quantities(text: str) -> tuple[Quantity, ...]:
    tok_spans = _tokens(text)
    toks = [t for t, _, _ in tok_spans]
    out: list[Quantity] = []
    i = 0
    while i < len(toks):
        q, nxt = date_at(toks, i) or _quantity_at(toks, i) or (None, i + 1)
        if q is not None and not (q[0] in ("date", "weekday") and not_the_event(toks, i)) \
                and not (q[0] == "duration" and q[1] >= MONTH and _reference_window(toks, i)):
            surface = text[tok_spans[i][1] : tok_spans[nxt - 1][2]]
            head = _measured_from(toks, nxt) if q[0] == "duration" else q[3]
            part = q[0] == "count" and ((len(q) > 5 and q[5]) or _listed_among(toks, i))
            out.append(Quantity(q[0], q[1], q[2], head, q[4], _context(toks, i, nxt), surface, _rejected(toks, i),
                                part=part))
        i = max(nxt, i + 1)
    return tuple(out)


# What a duration is measured from: "57 minutes behind schedule" (a delay) and "three minutes into the
# flight" (time elapsed) are different things; "lasted 90 minutes" and "a 90-minute call" are lengths.
_MEASURED_FROM = {"behind": "delay", "late": "delay", "early": "early", "into": "elapsed", "after": "interval",
                  "later": "interval", "before": "lead", "earlier": "lead", "ago": "ago"}


def _measured_from(toks: list[str], j: int) -> str:
    return "time:" + _MEASURED_FROM.get(toks[j].lower(), "length") if j < len(toks) else "time:length"


MONTH = 43200  # minutes: a reference span is months or years long
_SUPERLATIVE = re.compile(r"(?:first|biggest|largest|worst|highest|lowest|deadliest|longest|best|"
                          r"most|least|greatest|heaviest|strongest|\w{3,}iest)$")


def _reference_window(toks: list[str], i: int) -> bool:
    """"the biggest expulsion for over thirty years", "the first time in a decade": a span that a
    superlative is measured over, not how long something took."""
    low = [t.lower() for t in toks[:i]]
    near = low[-3:]
    return ("in" in near or "for" in near) and any(_SUPERLATIVE.match(t) for t in low[-12:])


def _listed_among(toks: list[str], i: int) -> bool:
    """"Among them were 60 diplomats", "including 12 children": a part of a group counted elsewhere
    (not "among the 176 people": that number is the group)."""
    low = [t.lower() for t in toks[max(0, i - 4) : i]]
    if "including" in low[-2:]:
        return True
    return "among" in low and low[-1] not in ("among", "the") and low[-2:] != ["among", "the"]


_REJECT = {("not",), ("not", "on"), ("not", "the"), ("not", "on", "the"), ("never",), ("rather", "than"),
           ("rather", "than", "the"), ("instead", "of"), ("instead", "of", "the"), ("not", "in"), ("not", "at")}


_SUPERSEDED = {"initial", "initially", "earlier", "original", "originally"}
_FIGURE = {"figure", "estimate", "count", "toll", "tally", "report", "reported", "reports"}
_DENIED = {"denied", "denies", "deny", "rejected", "rejects", "disputed", "disputes", "dismissed"}


def _rejected(toks: list[str], i: int) -> bool:
    """The value at toks[i] is one the sentence rejects: "not (on) (the) 2nd", "rather than 300", a
    denial it follows ("denied reports that 300 …", no comma between) or a superseded first figure
    ("corrected the initial figure of 40")."""
    low = [t.lower() for t in toks[max(0, i - 3) : i]]
    if any(tuple(low[-n:]) in _REJECT for n in (1, 2, 3) if len(low) >= n):
        return True
    near = {t.lower() for t in toks[max(0, i - 4) : i]}
    if near & _SUPERSEDED and near & _FIGURE:  # "the initial figure of 40", "initially reported 40"
        return True
    before = [t.lower() for t in toks[max(0, i - 8) : i]]
    clause = before[len(before) - before[::-1].index(",") :] if "," in before else before
    return bool(_DENIED & set(clause)) and "that" in clause


_FRACTIONS = {"half": 0.5, "quarter": 0.25, "quarters": 0.25, "third": 1 / 3, "thirds": 1 / 3}


def _fraction_at(toks: list[str], i: int):
    """"half an hour", "a quarter of an hour", "three quarters of an hour", "two thirds of a day"."""
    low = [t.lower() for t in toks[i : i + 6]]
    n, k = 1.0, 0
    if low and (low[0] in UNITS or low[0] in TENS) and len(low) > 1 and low[1] in _FRACTIONS:
        n, k = float(UNITS.get(low[0], TENS.get(low[0], 1))), 1
    elif low and low[0] in ("a", "an") and len(low) > 1 and low[1] in _FRACTIONS:
        k = 1
    if k >= len(low) or low[k] not in _FRACTIONS:
        return None
    frac = n * _FRACTIONS[low[k]]
    j = k + 1
    if j < len(low) and low[j] == "of":
        j += 1
    if j < len(low) and low[j] in ("a", "an"):
        j += 1
    if j < len(low) and unit(low[j]) in DURATION:
        f = DURATION[unit(low[j])] * frac
        return ("duration", f, f, "time", frozenset()), i + j + 1
    if j < len(low) and low[j - 1] == "of" and low[j] not in ("a", "an"):  # "a quarter of the ballots"
        return ("percent", 100 * frac, 100 * frac, "%", frozenset()), i + j
    return None


def _quantity_at(toks: list[str], i: int):
    frac = _fraction_at(toks, i)
    if frac is not None:  # "less than half a minute": the qualifier widens it as it does a number
        (kind, low, high, head, phrase), j = frac
        lo_f, hi_f = _qualifier(toks, i)
        return (kind, low * lo_f, high * hi_f if hi_f is not None else float("inf"), head, phrase), j
    t = toks[i].lower()
    if unit(t) in DURATION and i + 1 < len(toks) and toks[i + 1].lower() == "long" and (
            i == 0 or toks[i - 1].lower() in ("a", "an", "the")):
        f = DURATION[unit(t)]  # "an hour-long call"
        return ("duration", f, f, "time", frozenset()), i + 2
    vague = _vague_at(toks, i)
    if vague is not None:  # "dozens of soldiers": a range, counted like a number
        (low, high), j = vague
        counted = _counted(toks, j, low, high)
        if counted is not None:  # two vague counts ("dozens" / "hundreds") are never set against each other
            (kind, lo, hi, head, phrase, part), k = counted
            return (kind, lo, hi, head, phrase | {VAGUE}, part), k
        return _bare(toks, i, j, low, high)
    parsed = parse_number(toks, i)
    if parsed is None:
        return None
    val, j = parsed
    if toks[i].isdigit() and 1900 <= val <= 2100 and (j >= len(toks) or unit(toks[j]) not in DURATION):
        return None  # a year
    lo_f, hi_f = _qualifier(toks, i)
    low, high = val * lo_f, (val * hi_f if hi_f is not None else float("inf"))
    if i > 0 and toks[i - 1].lower() == "between" and j < len(toks) and toks[j].lower() in ("and", "to"):
        upper = parse_number(toks, j + 1)  # "between 50 and 100 people": one range
        if upper is not None and upper[0] > val:
            high, j = upper
    return _measured(toks, i, j, low, high) or _counted(toks, j, low, high) or _bare(toks, i, j, low, high)


_VAGUE = {"dozens": (24, 99), "scores": (40, 199), "hundreds": (200, 999), "thousands": (2000, 9999)}


def _vague_at(toks: list[str], i: int):
    """"dozens of", "hundreds of", "a couple of": a range; the index after "of"."""
    low = [t.lower() for t in toks[i : i + 3]]
    if len(low) > 1 and low[0] in _VAGUE and low[1] == "of":
        return _VAGUE[low[0]], i + 2
    if len(low) > 2 and low[:3] == ["a", "couple", "of"]:
        return (2, 3), i + 3
    return None


def _bare(toks: list[str], i: int, j: int, low: float, high: float):
    """A number with no noun after it that a death toll names ("the death toll rose to 14", "stood at
    five"): a count of the killed."""
    before = [t.lower() for t in toks[max(0, i - 12) : i]]
    if "toll" in before:  # a toll that rose to it ("bringing the toll to 13") is a running total
        running = bool(_RISING & set(before))
        return ("count", low, high, "killed", frozenset({"killed", RUNNING} if running else {"killed"})), j
    return None


VAGUE = "+vague"  # in a count's phrase: "dozens of", "hundreds of"
RUNNING = "+running"  # in a count's phrase: a total that rose to this value, which earlier counts are part of
_RISING = {"risen", "rose", "rising", "raised", "bringing", "brought", "climbed", "increased", "reached"}


_CURRENCIES = {"dollar": "$", "euro": "€", "crown": "crown", "rouble": "rouble", "ruble": "rouble", "yuan": "yuan",
               "yen": "yen", "franc": "franc", "rupee": "rupee", "shekel": "shekel", "dinar": "dinar"}


def _measured(toks: list[str], i: int, j: int, low: float, high: float):
    """The number at toks[i:j] with its unit (money, percent, length, duration), or None."""
    if i > 0 and toks[i - 1] == "$":
        return ("money", low, high, "$", frozenset()), j
    if j < len(toks) and unit(toks[j]) == "%":
        return ("percent", low, high, "%", frozenset()), j + 1
    if j + 1 < len(toks) and toks[j].lower() == "nautical" and unit(toks[j + 1]) == "mile":
        return ("length", low * 1852, high * 1852, "length", frozenset()), j + 2
    if j < len(toks) and unit(toks[j]) in _CURRENCIES:  # "five million dollars", "500,000 euros"
        return ("money", low, high, _CURRENCIES[unit(toks[j])], frozenset()), j + 1
    if j < len(toks) and unit(toks[j]) in LENGTH and unit(toks[j]) != "m" and not toks[j][0].isupper():
        f = LENGTH[unit(toks[j])]  # lengths and altitudes in metres: "2,400 metres" ~ "8,000 feet"
        return ("length", low * f, high * f, "length", frozenset()), j + 1
    if j < len(toks) and unit(toks[j]) in DURATION:
        f, j = DURATION[unit(toks[j])], j + 1
        if j + 2 < len(toks) and [x.lower() for x in toks[j : j + 3]] == ["and", "a", "half"]:
            low, high, j = low + 0.5, high + 0.5, j + 3  # "an hour and a half"
        return ("duration", low * f, high * f, "time", frozenset()), j
    return None


_MEASURES = {"tonne", "ton", "barrel", "litre", "liter", "gallon", "kilogram", "kg", "pound", "cubic", "bag",
             "box", "crate", "truckload", "shipment", "dose", "round", "rocket"}
_PARTITIVE = {"its", "their", "our", "his", "her", "the", "these", "those", "them", "us"}


def _counted(toks: list[str], j: int, low: float, high: float):
    """A count: the number ending at toks[j] and the noun phrase after it ("138 people travelling"), or
    None. "six of its sailors" counts a part of a group; "11 of the 176 passengers" is read at 176."""
    part = j + 1 < len(toks) and toks[j].lower() == "of" and toks[j + 1].lower() in _PARTITIVE
    if part:
        if toks[j + 1].lower() in ("them", "us"):
            return None  # "two of them seriously", "four of them children": of a group counted before
        j += 2
        if j >= len(toks) or parse_number(toks, j) is not None:
            return None
    phrase = []
    for k in range(j, min(j + 3, len(toks))):
        word = toks[k].lower()
        if not toks[k].isalpha() or word in _STOP or (phrase and len(word) > 4 and word.endswith(("ed", "ing"))):
            break  # "three servicemen received", "276 deputies voting": the verb is not what is counted
        phrase.append(unit(toks[k]))
    if not phrase:
        return None
    head, k = phrase[-1], j + len(phrase)
    if k + 1 < len(toks) and toks[k].lower() == "of" and toks[k + 1].isalpha() and (
            toks[k + 1][:1].isupper() or (head in _MEASURES and toks[k + 1].lower() not in _STOP)):
        phrase.append(unit(toks[k + 1]))  # "11 citizens of Ukraine", "75,000 tonnes of naphtha"
    if k + 1 < len(toks) and toks[k].lower() == "and" and toks[k + 1].isalpha() and parse_number(toks, k + 1) is None \
            and toks[k + 1].lower() not in _STOP and not toks[k + 1].lower().endswith(("ed", "ing")):
        head = f"{head}+{unit(toks[k + 1])}"  # "176 passengers and crew": a total, not a count of passengers
    return ("count", low, high, head, frozenset(phrase), part), k
