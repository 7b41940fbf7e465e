"""Where a report verb's subject and clause lie in a sentence: the patterns and helpers that
`attribution.py` reads sentences with (a verb's form that reports nobody, the subject after a comma, an
aside or an apposition before the verb, quotations, paragraphs)."""
from __future__ import annotations

import re

from retrieval.text import REPORT_VERBS

REPORT = re.compile(rf"\b{REPORT_VERBS}\b", re.IGNORECASE)
PRONOUN_SUBJECT = re.compile(r"\b(?:he|she|they|it)\s+(?:has\s+|had\s+|have\s+|also\s+)?$", re.IGNORECASE)
# "… and said", "…, but added": a report verb sharing the subject of the sentence's first verb
COORDINATED = re.compile(r"\b(?:and|but)\s+(?:also\s+|then\s+)?$", re.IGNORECASE)
PRONOUN_OPENING = re.compile(r"(?:He|She|It|They)\b")
CLAUSE_START = re.compile(r"\b(?:that|when|because|while|whereas|which|who|after|before|if|as|since|"
                           r"although|though|where)\b", re.IGNORECASE)
SUBORDINATE = re.compile(r"^(?:When|While|Whereas|After|Before|Although|Though|If|As|Because|Since|Once)\b")
# what may follow a trailing main verb: ", the Kremlin said [on Tuesday / in a statement / after …]."
# (an adverbial, not a clause: "…, X said this week that …" is X's main verb with its object after it)
TRAILING = re.compile(r"^(?:\s+(?:on|in|at|after|late|early|this|last|yesterday|today|earlier|later|"
                       r"during|via|through|when)\b(?:(?!\bthat\b)[^,;]){0,80})?\s*[.!?]?[\"'”’)]*\s*$",
                       re.IGNORECASE)
EDITORIAL = re.compile(
    r"^\(|\bno news\b|\bso far\b|\b(?:does|did|do) not (?:specify|say|mention|spell out)\b"
    r"|\bwas not (?:given|specified|mentioned)\b|\bnot (?:specified|given)\b|\bit is unclear\b",
    re.IGNORECASE,
)


# Before a report verb's form, words that make it a noun or an adjective: a determiner or a possessive
# ("Russia's claims about the attack", "the reported assessment", "despite continued shelling"), and for
# the forms that are also plural nouns a quantity or "United" ("both states", "the United States")
_DETERMINER = re.compile(r"(?:\b(?:the|a|an|its|their|his|her|our|your|these|those|such|despite|amid)|['’]s)\s+$",
                         re.IGNORECASE)
_QUANTITY = re.compile(r"\b(?:united|both|all|member|two|three|several|many|other|some|most|any|neighbouring|"
                       r"neighboring|coastal)\s+$", re.IGNORECASE)
_PLURAL_NOUN = frozenset({"states", "claims"})
# an infinitive reports nobody ("was not mandated to say who", "is expected to say"), unless a verb
# of going on or of refusing carries it ("went on to say", "continued to insist", "declined to say": what
# its subject did say)
_INFINITIVE = re.compile(r"(?<!\bon )(?<!\bcontinued )(?<!\bcontinues )(?<!\bdeclined )(?<!\bdeclines )"
                         r"(?<!\brefused )(?<!\brefuses )\bto\s+(?:have\s+)?$", re.IGNORECASE)
# a passive: its subject is who was told, or nobody
# ("was told to wait", "it was reported that"), or a participle after "as" ("63 as previously reported")
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being|as)\s+(?:\w+ly\s+)?$", re.IGNORECASE)
# Words that may stand between a comma and the report verb without being its subject ("Peskov, the
# Kremlin spokesman, also said"), and the openings of an aside of time, place or manner ("…, in a statement,")
NOT_SUBJECT = frozenset("""also then later again however further previously repeatedly publicly separately
subsequently meanwhile moreover still only even yet now once too has had have already first reportedly
apparently is are was were been being will would shall should can could may might must do does did to""".split())
_ADVERBIAL = re.compile(r"^\s*(?:in|on|at|during|after|before|according|speaking|citing|with|for|from|by|"
                        r"under|to|as|while|when|of|over|through|via|without|despite|like|asked|responding|"
                        r"referring|commenting|answering|writing|addressing)\b", re.IGNORECASE)


def reports_nobody(sentence: str, verb: re.Match) -> bool:
    """Whether a report verb's form reports nobody where it stands: a noun or an adjective (see
    _DETERMINER), a passive (after a form of "be" or "as", or before "by") or an infinitive (_INFINITIVE)."""
    before = sentence[max(0, verb.start() - 40):verb.start()]
    by = re.match(r"\s+by\b", sentence[verb.end():])  # "the moratorium, first announced by the Kremlin"
    return bool(by or _DETERMINER.search(before) or _PASSIVE.search(before) or _INFINITIVE.search(before)
                or (verb.group(0).lower() in _PLURAL_NOUN and _QUANTITY.search(before)))


def subject_after_comma(window: str) -> str | None:
    """The words after the last comma when they can be a subject (not adverbs, not an aside), else None."""
    comma = window.rfind(",")
    if comma < 0:
        return None
    tail = window[comma + 1:]
    said = [w.lower() for w in re.findall(r"[\w’'-]+", tail)]
    if said and not _ADVERBIAL.match(tail) and not all(w in NOT_SUBJECT or REPORT.fullmatch(w) for w in said):
        return tail
    return None


def own_clause(window: str) -> str:
    """The part of the text before a report verb that holds its subject: the words after the last comma
    when they are one ("… was killed inside Saudi Arabia's consulate, two officials told the agency":
    the officials tell, not the country named before the comma); what comes before an aside of time,
    place or manner ("Zelenskyy, speaking in Washington, said"); otherwise the whole text (adverbs after
    the comma, "Peskov, the Kremlin spokesman, also said", or an apposition that names the subject)."""
    tail = subject_after_comma(window)
    if tail is not None:
        return tail
    aside = _closing_aside(window)
    return window[:aside[0]] if aside and _ADVERBIAL.match(window[aside[0] + 1:aside[1]]) else window


def _closing_aside(window: str) -> tuple[int, int] | None:
    """(opening comma, closing comma) of a ", …," right before a report verb, if the text ends with one."""
    comma = window.rfind(",")
    if comma < 0 or re.search(r"\w", window[comma + 1:]):
        return None
    opening = window.rfind(",", 0, comma)
    return (opening, comma) if opening >= 0 else None


def apposition(window: str) -> str:
    """An apposition that closes the text before a report verb ("Kathy Fox, the chair of the board, said"),
    or "". The first source it names is who speaks: its head, not a later modifier ("the Saudi ambassador
    in Washington and a brother of the crown prince")."""
    aside = _closing_aside(window)
    inside = window[aside[0] + 1:aside[1]] if aside else ""
    return "" if _ADVERBIAL.match(inside) else inside


# what a source issues: "according to a report of the Mechanism", "according to a statement by the ministry"
DOCUMENT = (r"(?:report|statement|readout|transcript|assessment|findings|account|letter|note|communiqu[eé]|"
             r"release|briefing|summary|analysis|investigation)s?")


# a subject of two names ("Russia and Ukraine accused each other …", "Canada and Ukraine said …")
JOINT_BEFORE = re.compile(r"\b[A-Z][\w’'-]*\s+(?:and|or)\s+(?:the\s+)?$")
JOINT_AFTER = re.compile(r"\s+(?:and|or)\s+(?:the\s+)?[A-Z]")


def inside_quotes(text: str, pos: int) -> bool:
    """True when `pos` lies inside a quotation (“…” or an odd number of straight quotes before it)."""
    before = text[:pos]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def quote_or_clause_before(text: str, pos: int) -> bool:
    """A trailing report verb is the main one when a comma closes the reported content before it."""
    return bool(re.search(r"[,”\"]\s*[^,]{0,60}$", text[:pos]))


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line-paragraph; bullet lines are paragraphs of their own."""
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        s, e = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        if text[s:e].strip():
            spans.append((s, e))
    return spans
