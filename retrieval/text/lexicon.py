"""Words: normalisation, tokens, one stemmer (Snowball English), one stopword list, report verbs and negation."""
from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

STOPWORDS = frozenset("""a an and are as at be been but by did do does for from had has have he her his how i
if in into is it its me my not of on or our she so than that the their them then there these they this
those to was we were what when where which who whom whose why will with would you your about after before
said say says also can could should may might just while any all such per""".split())

# Calendar words: a question naming a month or weekday asks about a date, not a name; documents say
# "on Tuesday" far less often than their date line implies it.
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Holidays name days, as months do: "at Christmas" is a date, not a party the corpus must mention.
HOLIDAYS = ("christmas", "easter", "ramadan", "eid", "hanukkah", "passover", "thanksgiving", "diwali", "nowruz")
CALENDAR = frozenset(MONTHS + WEEKDAYS + HOLIDAYS + ("today", "yesterday", "tomorrow", "tonight", "week", "month",
                                                    "year"))

# "X said …": the verbs that report someone else's statement (one list for attribution and claims); past
# tense only ("Putin's demands" is a noun), and a finding only with "that" ("the talks concluded on Friday").
REPORT_VERBS = (r"(?:said|says|say|stated|states|told|added|adds|continued|claimed|claims|announced|insisted|"
                r"warned|wrote|declared|argued|replied|responded|reported|alleged|maintained|asserted|"
                r"demanded|urged|stressed|emphasi[sz]ed|confirmed|acknowledged|admitted|denied|accused|promised|"
                r"pledged|vowed|noted|explained|rejected|dismissed|(?:concluded|found|determined|assessed|assesses)(?=\s+that\b|,[^,]{1,60},\s+that\b))")

# Negation and refusal cues (word-level; the judge uses them as a feature, never as a gate).
NEGATION = re.compile(r"\b(?:no|not|never|none|nothing|nobody|nowhere|neither|nor|rejected?|rejects|denied|deny|denies|"
                      r"refused?|refuses|failed|fails|without)\b|n[’']t\b", re.IGNORECASE)

# Words that open a subordinate clause: "hours after Putin told Trump …" is not Putin's statement.
SUBORDINATE_END = re.compile(r"\b(?:after|before|when|whenever|since|because|while|although|though|if|unless|"
                             r"until|once|as|whereas)\s+(?:the\s+|a\s+|an\s+)?$", re.IGNORECASE)

_WORD = re.compile(r"\w+(?:['’]\w+)?", re.UNICODE)
_ENGLISH = snowballstemmer.stemmer("english")


def normalise(word: str) -> str:
    return word.lower().replace("’", "'")


def stem(word: str) -> str:
    """Snowball (Porter2) English stem of the lower-cased word: 'strikes', 'striking' → 'strike',
    'missiles' → 'missil' like 'missile', 'parties' → 'parti'. Stems are only compared with stems."""
    return _stem(normalise(word))


@lru_cache(maxsize=200_000)
def _stem(w: str) -> str:
    if w.endswith("'s"):
        w = w[:-2]
    return _ENGLISH.stemWord(w)


def words(text: str) -> list[str]:
    """Every word of `text` as written (letters, digits, inner apostrophes)."""
    return _WORD.findall(text)


def tokenize(text: str) -> list[str]:
    """Search tokens: stems of the non-stopwords (single characters only when they are digits)."""
    out = []
    for w in words(text):
        n = normalise(w)
        if n not in STOPWORDS and (len(n) > 1 or n.isdigit()):
            out.append(stem(n))
    return out


def content_words(text: str, min_len: int = 4) -> list[str]:
    """Lower-cased alphabetic words that carry meaning (no stopwords, no short words)."""
    return [n for n in (normalise(w) for w in words(text))
            if n[:1].isalpha() and n not in STOPWORDS and len(n) >= min_len]


def stems(text: str, min_len: int = 4) -> set[str]:
    return {stem(w) for w in content_words(text, min_len)}


def possessive(name: str) -> str:
    """"The Kremlin's", "the United States'"."""
    return name + ("'" if name.endswith("s") else "'s")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


# Opposite states or actions (stems of `tokenize`): a statement with one and a statement with the other
# about the same thing do not say the same (open vs closed, lift vs impose).
OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(stem(w) for w in a.split()), frozenset(stem(w) for w in b.split())) for a, b in (
        ("open opened opens reopen reopened", "close closed closes shut shuts"),
        ("lift lifted lifting lifts", "impose imposed imposes keep kept"),
        ("allow allowed allows permit permitted", "ban banned bans forbid forbidden prohibit prohibited"),
        ("increase increased raise raised", "decrease decreased reduce reduced cut"),
        ("start started begin began", "stop stopped end ended halt halted"),
        ("accept accepted accepts", "reject rejected rejects refuse refused"),
        ("withdraw withdrawn withdrew", "deploy deployed station stationed"),
    ))


# "came close to the border", "closer to the terminal": nearness, not the opposite of open
_NEARNESS = re.compile(r"\bclose(?:r|st)?\s+(?:to|by)\b", re.IGNORECASE)


def opposite_terms(a: str, b: str) -> bool:
    """One text uses a word of a pair in OPPOSITES and the other its opposite (and not both)."""
    sa, sb = set(tokenize(_NEARNESS.sub(" ", a))), set(tokenize(_NEARNESS.sub(" ", b)))
    return any((sa & x and sb & y and not sa & y and not sb & x) or (sa & y and sb & x and not sa & x and not sb & y)
               for x, y in OPPOSITES)


_DEMONYM = ("n", "an", "ian", "ns", "ans", "ians", "i", "is", "ese")


def uses(have: set[str], term: str) -> bool:
    """Whether the stems `have` contain `term`, inside a compound ending in it ("airstrikes" for
    "strike"), or as its demonym ("iranian" for "iran", "russian" for "russia", "canadian" for "canada")."""
    if term in have or len(term) < 4:
        return term in have
    base = term[:-1] if term[-1] in "aeiou" else term  # "strike" in "airstrik", "iran" in "iranian"
    return any((len(w) > len(base) + 2 and w.endswith(base))
               or (w.startswith(base) and w[len(base):] in _DEMONYM) for w in have)
