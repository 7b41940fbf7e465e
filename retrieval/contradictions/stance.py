"""Polarity and stance of a claim, the judge's gate before the model: two claims about one thing can
only contradict when one is negated or denied and the other not, one halts what the other does, or
they use opposite words (open/closed, lift/impose). A sentence right after another one shares no
word with it and can still answer it, but only by pointing back at what was said ("We did not agree to
that.", "Iran rejected the accounts."); `refers_back` says whether it does.

Stance words are read in their phrase: "halt attacks" halts (the attacks are what is halted), and
"continue to observe the ceasefire" keeps a halt (continuing is an aspect of what follows)."""
from __future__ import annotations

import re

from retrieval.text import NEGATION, opposite_terms

_STOP = (r"halt\w*|paus\w*|stop\w*|cessation|ceas(?:e|ed|es|ing)|suspend\w*|freez\w*|end(?:ed|ing)?|"
         r"(?:observ\w*|respect\w*|honou?r\w*|abid\w*(?: by)?|adher\w*(?: to)?|compl\w*(?: with)?)"
         r"(?: the| a| its| this| that)? (?:moratorium|truce|ceasefire|cease-fire)")
_DO = (r"increas\w*|expand\w*|boost\w*|escalat\w*|bomb\w*|airstrikes?|strik(?:e|es|ing)|struck|hit|hits|hitting|"
       r"attack\w*|shell\w*|launch\w*|more")
_ASPECT = r"continu\w*|resum\w*|kept|keep\w*"  # takes the stance of what follows it
_GAP = r"(?:\s+\S+){0,3}?\s+"  # up to three words between a verb and its object
_STOPPING = re.compile(rf"\b(?:{_STOP})\b", re.I)
_DOING = re.compile(rf"\b(?:{_DO})\b", re.I)
_HALTED = re.compile(rf"\b(?:{_STOP}){_GAP}(?:{_DO})\b", re.I)  # "halt attacks": the doing is what stops
_KEPT_HALT = re.compile(rf"\b(?:{_ASPECT}){_GAP}(?:{_STOP})\b", re.I)  # "continue to observe the truce"
_ASPECT_ALONE = re.compile(rf"\b(?:{_ASPECT})\b", re.I)

# Negation words that negate nothing ("without delay", "not only … but"), an exclusive affirmation ("there
# is no explanation other than X" asserts X; "no choice but to"), a bound on a number ("no more than 40"),
# and verbs that deny.
_IDIOMS = re.compile(r"\b(?:without (?:delay|hesitation|exception|doubt)|not only|no doubt|no later than|"
                     r"nothing but|no sooner|none other than|not least|no(?:\s+[\w-]+){0,3}?\s+other\s+than|"
                     r"no\s+(?:choice|option|alternative)\s+but|no\s+(?:more|less|fewer)\s+than)\b", re.I)
_DENIAL = re.compile(r"\b(?:dismiss(?:ed|es)?|refut\w*|ruled? out|rules out|contradict\w*|disput\w*|"
                     r"false(?:ly)?|untrue|baseless|lie|lies|lying)\b", re.I)


def stance(text: str) -> str | None:
    """'stop' (halts, pauses, ends, observes a truce), 'do' (strikes, increases, continues) or None
    (neither, or a mixed account)."""
    halted = _HALTED.sub(" halt ", _KEPT_HALT.sub(" halt ", text))
    stops = bool(_STOPPING.search(halted))
    does = bool(_DOING.search(halted)) or (not stops and bool(_ASPECT_ALONE.search(halted)))
    return None if stops == does else ("stop" if stops else "do")


def polarity(text: str) -> tuple[bool, str | None]:
    """(negated or denied, stance)."""
    plain = _IDIOMS.sub(" ", text)
    return bool(NEGATION.search(plain) or _DENIAL.search(plain)), stance(text)


def opposed(a: str, b: str) -> bool:
    """One is negated and the other not, one halts what the other does, or they use opposite words."""
    (na, sa), (nb, sb) = polarity(a), polarity(b)
    return na != nb or (sa is not None and sb is not None and sa != sb) or opposite_terms(a, b)


# What was said, named as such: "the claim", "these accounts", "such reports" (not "that attack": an event)
_SAID = (r"claims?|accounts?|reports?|statements?|assertions?|allegations?|accusations?|versions?|"
         r"suggestions?|assessments?|conclusions?|findings?|charges?|remarks?|comments?|assurances?|promises?")
_SAID_NOUN = re.compile(rf"\b(?:the|this|that|these|those|such|its|their|his|her)\s+(?:\w+\s+)?(?:{_SAID})\b", re.I)
# "such" points at a thing as described: "no news of such a swap" denies the described event ("in that
# attack" presupposes it)
_SUCH = re.compile(r"\bsuch\s+(?:an?\s+)?\w{3,}", re.I)
# a pronoun standing for what was said: at the end ("agree to that."), as the subject of a verdict
# ("That is false", "it was a lie") or as the object of a denial ("He denied it")
_PRONOUN_END = re.compile(r"\b(?:that|this|it|so|them)\s*[.!?”\"’']*\s*$", re.I)
_PRONOUN_SUBJECT = re.compile(r"\b(?:that|this|it)\s+(?:is|was|were|are|would|will|has|had|could|did|does|"
                              r"never|remains?)\b(?!\s+(?:not\s+)?(?:be\s+)?(?:said|reported|announced|expected|"
                              r"likely|unlikely|possible|impossible|clear|unclear|known|time|too|the\s+first))", re.I)
_PRONOUN_OBJECT = re.compile(r"\b(?:den(?:y|ied|ies|ying)|reject\w*|dismiss\w*|refut\w*|disput\w*|contradict\w*|"
                             r"confirm\w*|call(?:s|ed)?)\s+(?:it|this|that|them)\b(?!\s+\w+ing\b)", re.I)


def refers_back(text: str) -> bool:
    """Whether the sentence points back at something said before it: a word for a statement with a
    determiner that refers back ("the claim"), a thing as described before ("no such swap") or a
    pronoun standing for one ("We did not agree to that.", "That is untrue.", "He denied it").
    "No survivors", "in that attack" do not."""
    return any(p.search(text) for p in (_SAID_NOUN, _SUCH, _PRONOUN_END, _PRONOUN_SUBJECT, _PRONOUN_OBJECT))
