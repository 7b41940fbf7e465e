"""Pair features for the calibrated contradiction score: no gates, only signals.

Every candidate pair (claim A, claim B) gets the same numeric features, computed from the text with
the shared lexicon (`retrieval.text`), the quantity parser (`numeric`), the claims' speakers and dates,
the embedding similarity and, when a model was asked, its P(contradiction) in both orders. A logistic
model fitted on labelled pairs (`calibration.py`) turns them into a probability. Nothing here drops a
pair: a pair about different things simply gets a low topical-overlap value.

Who did what to whom: `frame(text)` reads the claim's actor and target where the sentence names them
("Northland struck Southland's depots": actor northland, target southland; "Southland denies striking
Northland's depots": actor southland, target northland; "The depots were struck by Northland": actor
northland). Two claims with the same words but swapped or different actors describe different events."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable

from retrieval.contradictions.numeric import quantity_relation
from retrieval.models import Claim
from retrieval.text import NEGATION, REPORT_VERBS, STOPWORDS, content_words, normalise, stem, words

# The feature vector, in order. `llm` is the model's P(contradiction) (mean of both orders, as a logit);
# the no-model variant of the calibration leaves it out.
NAMES = ("topic", "topic_share", "cosine", "polarity", "stance", "antonym", "refutes", "pending",
         "later", "actor_same", "actor_clash", "num_conflict", "num_agree", "num_different", "hedged",
         "reported", "same_speaker", "dated_apart_same_speaker", "date_gap", "adjacent", "llm")

# Refutation: a claim that calls another statement false asserts its opposite.
REFUTE = re.compile(r"\b(?:lie|lies|lying|lied|false|falsely|untrue|fake|fabricat\w*|hoax|baseless|"
                    r"groundless|disinformation|misleading|refuted?|refutes|dismissed|contrary)\b", re.I)
# "There has been no sign of X so far": a statement that something has not (yet) happened.
PENDING = re.compile(r"\b(?:so far|not yet|yet to|no sign|no news|no word|no evidence|no confirmation|"
                     r"has not|have not|had not|hasn[’']t|haven[’']t|hadn[’']t|still not|still no|"
                     r"did not take place|remains? unconfirmed|no indication|to date|as of yet|until now)\b", re.I)
_TIME_CUE = re.compile(r"\b(?:so far|yet|still|to date|until now|as of|has not|have not|had not|hasn[’']t|"
                       r"haven[’']t|hadn[’']t|no sign|no news|no word)\b", re.I)
_NOT_YET = re.compile(r"\b(?:not yet|yet to|no sign|no news|no word|has not|have not|had not|still not)\b", re.I)
HEDGE = re.compile(r"\b(?:may|might|could|perhaps|possibly|likely|unlikely|hopes?|reportedly|"
                   r"apparently|allegedly|expected)\b", re.I)
OMISSION = re.compile(r"\b(?:does|did|do) not (?:specify|say|mention|spell out|include|address)\b|"
                      r"\bmade no (?:reference|mention)\b|\bwas not (?:given|specified|mentioned)\b", re.I)
_STOPPING = re.compile(r"\b(?:halt\w*|paus\w*|stop\w*|cessation|ceas(?:e|ed|es|ing)|suspend\w*|freez\w*|"
                       r"end(?:ed|ing)?)\b", re.I)
_DOING = re.compile(r"\b(?:increas\w*|expand\w*|boost\w*|escalat\w*|bomb\w*|airstrikes?|strik(?:e|es|ing)|"
                    r"struck|shell\w*|launch\w*|continu\w*|resum\w*|more)\b", re.I)

# Opposite predicates, by stem: a conflict that needs no negation word ("reopened" vs "remains closed").
_ANTONYMS = [
    ("open", "close"), ("reopen", "close"), ("resume", "suspend"), ("resum", "suspend"), ("resum", "halt"),
    ("increas", "decreas"), ("increas", "reduc"), ("increas", "cut"), ("rise", "fall"), ("rose", "fell"),
    ("accept", "reject"), ("approv", "reject"), ("approv", "block"), ("confirm", "deny"), ("confirm", "deni"),
    ("admit", "deny"), ("admit", "deni"), ("win", "lose"), ("won", "lost"), ("alive", "dead"),
    ("present", "absent"), ("releas", "detain"), ("releas", "held"), ("withdr", "advanc"),
    ("allow", "ban"), ("allow", "forbid"), ("lift", "impos"), ("start", "end"), ("began", "end"),
    ("support", "oppos"), ("agree", "refus"), ("agreed", "refus"), ("succeed", "fail"), ("accident", "deliberat"),
    ("accident", "intention"), ("intact", "destroy"), ("intact", "damag"), ("sent", "kept"), ("attend", "absent"),
    ("before", "after"), ("earlier", "later"), ("civilian", "military"), ("guilty", "innocent"),
    ("true", "false"), ("legal", "illegal"), ("full", "partial"), ("all", "some"), ("total", "partial"),
]
_ANTONYM_PAIRS = [(a, b) for a, b in _ANTONYMS] + [(b, a) for a, b in _ANTONYMS]

_CAPITAL = re.compile(r"[A-Z][\w’'-]*")
_STARTERS = STOPWORDS | {"however", "additionally", "meanwhile", "soon", "still", "yet", "now", "later",
                         "earlier", "today", "yesterday", "there", "here", "according", "despite", "instead",
                         "both", "each", "some", "many", "most", "several", "asked", "speaking", "separately",
                         "officials", "witnesses", "critics", "analysts", "experts", "sources",
                         "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                         "january", "february", "march", "april", "may", "june", "july", "august",
                         "september", "october", "november", "december", "mr", "mrs", "ms", "dr"}
_REPORTING = re.compile(rf"^(?:{REPORT_VERBS}|denie[sd]|deny|denying|rejects?|rejected|insists?|insisted|"
                        r"admits?|admitted|confirm(?:s|ed)?|accus\w*|blam\w*)$", re.I)


@dataclass(frozen=True)
class Frame:
    """Who did what to whom, where the sentence names them (None when it does not)."""
    actor: str | None
    target: str | None


class EntityNames:
    """Maps a capitalised name to a stable key: a registry source id for known aliases (and their
    demonyms: "Russian" → the id of "Russia"), else the lower-cased word."""

    def __init__(self, aliases: Iterable[tuple[str, str]] = ()) -> None:
        self.alias = {normalise(a): sid for a, sid in aliases}
        ordered = sorted(self.alias, key=len, reverse=True)
        self._multi = [a for a in ordered if " " in a]

    def key(self, name: str) -> str:
        n = normalise(name)
        if n.endswith("'s"):
            n = n[:-2]
        if n in self.alias:
            return self.alias[n]
        for cand in (n[:-1], n[:-3] + "e", n[:-3], n[:-2] + "a"):  # Russian, Ukrainian, Iranian, Syrian
            if len(cand) >= 4 and cand in self.alias:
                return self.alias[cand]
        return stem(n)


def entities(text: str, names: EntityNames) -> list[tuple[int, int, str, bool]]:
    """(start, end, key, possessive) of the names in `text`, in order: known aliases (several words
    allowed) and capitalised words that are no sentence starters."""
    out: list[tuple[int, int, str, bool]] = []
    taken: list[tuple[int, int]] = []
    low = normalise(text)
    for alias in names._multi:
        for m in re.finditer(rf"(?<!\w){re.escape(alias)}(?!\w)", low):
            if not any(s < m.end() and m.start() < e for s, e in taken):
                taken.append((m.start(), m.end()))
                out.append((m.start(), m.end(), names.alias[alias], low[m.end():m.end() + 2] == "'s"))
    for m in _CAPITAL.finditer(text):
        s, e = m.start(), m.end()
        if any(a < e and s < b for a, b in taken):
            continue
        w = normalise(m.group(0))
        bare = w[:-2] if w.endswith("'s") else w
        first = s == 0 or text[:s].rstrip()[-1:] in ".!?:;\"“(–—-"
        if bare in names.alias or (bare not in _STARTERS and len(bare) > 1 and not (first and bare.endswith("ly"))):
            out.append((s, e, names.key(m.group(0)), w.endswith("'s")))
    out.sort()
    # merge runs of capitalised words into one name ("Alexander Stubb"), keeping the last key
    merged: list[tuple[int, int, str, bool]] = []
    for ent in out:
        if merged and not text[merged[-1][1]:ent[0]].strip() and not merged[-1][3]:
            prev = merged[-1]
            key = prev[2] if prev[2] in names.alias.values() else ent[2]
            merged[-1] = (prev[0], ent[1], key, ent[3])
        else:
            merged.append(ent)
    return merged


def frame(text: str, names: EntityNames) -> Frame:
    """The claim's actor and target. The first two names with a content word between them (not only
    report or denial verbs: "Southland denies striking Northland's depots" keeps Southland as the actor
    of the striking) are actor and target; "by X" makes X the actor (passive); a possessive name after
    the action is its target ("struck Southland's depots")."""
    ents = entities(text, names)
    if not ents:
        return Frame(None, None)
    for i in range(len(ents) - 1):
        (_, e1, k1, _), (s2, _, k2, _) = ents[i], ents[i + 1]
        if k1 == k2:
            continue
        between = text[e1:s2]
        ws = [normalise(w) for w in words(between)]
        content = [w for w in ws if w not in STOPWORDS and not _REPORTING.match(w) and w not in ("and", "or")]
        if not content and not re.search(r"\bby\s*$", between):
            continue
        if re.search(r"\bby\s*$", between):
            return Frame(k2, k1)
        if "and" in ws and not content[1:] and len(content) <= 1:
            continue  # "A and B agreed": a joint subject
        return Frame(k1, k2)
    s, e, k, poss = ents[0]
    before = [w for w in content_words(text[:s], 3) if w not in _STARTERS]
    m = re.search(r"\bby\s*$", text[:s])
    if m:
        return Frame(k, None)
    if before and not poss:
        return Frame(None, k)
    return Frame(k, None)


def actor_relation(fa: Frame, fb: Frame) -> tuple[float, float]:
    """(same, clash): same actor (and no conflicting target); or swapped / different actors."""
    if fa.actor is None or fb.actor is None:
        return 0.0, 0.0
    if fa.actor == fb.actor:
        if fa.target and fb.target and fa.target != fb.target:
            return 0.0, 1.0
        return 1.0, 0.0
    return 0.0, 1.0


def polarity(text: str) -> tuple[bool, str | None]:
    """(negated, stance): stance is 'stop' (halts, pauses, ends), 'do' (increases, strikes) or None."""
    stops, does = bool(_STOPPING.search(text)), bool(_DOING.search(text))
    stance = None if stops == does else ("stop" if stops else "do")  # both: a mixed account
    return bool(NEGATION.search(text)), stance


def antonym(a: str, b: str) -> float:
    """1 when one text uses a predicate and the other its opposite (and neither uses both)."""
    sa = {stem(w) for w in content_words(a, 3)} | {normalise(w) for w in words(a)}
    sb = {stem(w) for w in content_words(b, 3)} | {normalise(w) for w in words(b)}

    def has(stems: set[str], root: str) -> bool:
        return any(s.startswith(root) for s in stems)

    for x, y in _ANTONYM_PAIRS:
        if has(sa, x) and has(sb, y) and not has(sa, y) and not has(sb, x):
            return 1.0
    return 0.0


def topic_overlap(a: str, b: str, idf: Callable[[str], float], ignore: set[str] = frozenset()) -> float:
    """IDF mass of the content-word stems both texts use (minus `ignore`: the parties' names)."""
    shared = {stem(w) for w in content_words(a)} & {stem(w) for w in content_words(b)}
    return sum(idf(s) for s in shared - ignore)


def _mass(text: str, idf: Callable[[str], float], ignore: set[str]) -> float:
    return sum(idf(s) for s in {stem(w) for w in content_words(text)} - ignore)


def days_between(a: str | None, b: str | None) -> float | None:
    try:
        return abs((date.fromisoformat(str(a)[:10]) - date.fromisoformat(str(b)[:10])).days)
    except (TypeError, ValueError):
        return None


def later_contradicted(a: Claim, b: Claim) -> bool:
    """The earlier-dated claim says something has not (yet) happened and the later one, without any such
    hedge, reports it (e.g. "no sign of a swap so far" on the 19th, "the swap took place" on the 24th)."""
    gap = days_between(a.date, b.date)
    if not gap:
        return False
    early, late = (a, b) if str(a.date) < str(b.date) else (b, a)
    not_happened = bool(_TIME_CUE.search(early.text)) and bool(NEGATION.search(early.text) or PENDING.search(early.text))
    return not_happened and not NEGATION.search(late.text) and not _NOT_YET.search(late.text)


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))


def pair_features(a: Claim, b: Claim, *, idf: Callable[[str], float], names: EntityNames,
                  ignore: set[str] = frozenset(), similarity: float | None = None, adjacent: bool = False,
                  reported: bool = False, llm: tuple[float, float] | None = None) -> dict[str, float]:
    """The feature dict of a pair (`NAMES` order); `llm` is (P forward, P backward) or None."""
    ta, tb = a.text, b.text
    topic = topic_overlap(ta, tb, idf, ignore)
    share = topic / max(1e-6, min(_mass(ta, idf, ignore), _mass(tb, idf, ignore)))
    (na, sa), (nb, sb) = polarity(ta), polarity(tb)
    ra, rb = bool(REFUTE.search(ta)), bool(REFUTE.search(tb))
    pa, pb = bool(PENDING.search(ta)), bool(PENDING.search(tb))
    same, clash = actor_relation(frame(ta, names), frame(tb, names))
    relation, _ = quantity_relation(ta, tb)
    gap = days_between(a.date, b.date)
    f = {
        "topic": math.log1p(topic),
        "topic_share": min(1.0, share),
        "cosine": float(similarity) if similarity is not None else 0.5,
        "polarity": float(na != nb),
        "stance": float(sa is not None and sb is not None and sa != sb),
        "antonym": antonym(ta, tb),
        "refutes": float(ra != rb),
        "pending": float(pa != pb),
        "later": float(later_contradicted(a, b)),
        "actor_same": same,
        "actor_clash": clash,
        "num_conflict": float(relation == "conflict"),
        "num_agree": float(relation == "agree"),
        "num_different": float(relation == "different"),
        "hedged": float(bool(HEDGE.search(ta)) or bool(HEDGE.search(tb))),
        "reported": float(reported or bool(OMISSION.search(ta)) or bool(OMISSION.search(tb))),
        "same_speaker": float(a.speaker == b.speaker),
        "dated_apart_same_speaker": float(a.speaker == b.speaker and bool(gap)),
        "date_gap": math.log1p(gap) if gap is not None else 0.0,
        "adjacent": float(adjacent),
        "llm": (_logit(llm[0]) + _logit(llm[1])) / 2 if llm is not None else 0.0,
    }
    return f
