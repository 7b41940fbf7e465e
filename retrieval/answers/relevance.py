"""Does an answer answer the question? Citations that support a sentence are not enough: a sentence
about Iran "agreeing" something, cited verbatim, does not answer "What was agreed about a prisoner
exchange?". Two checks before an answer is shown:

- the asked-about speaker ("What did <the German chancellor> say …", "According to <X>, …") must be
  the cited passage's speaker, or be named in the cited passage as who speaks;
- the question's topic terms (its content words minus the speaker, question scaffolding and calendar
  words) must mostly appear in the answer or the passages it cites (idf-weighted), or the answer must
  be close in meaning to the question (embedding similarity), for paraphrases.

Also here: "According to X" / "X said" in an answer must name the cited passage's speaker."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from retrieval.answers.attribution import named_as_speaker
from retrieval.answers.dates import about_day, asked_day
from retrieval.answers.kinds import asked_kind, gives
from retrieval.text import CALENDAR, MONTHS, REPORT_VERBS, possessive, stem, tokenize, uses

TOPIC_MIN = 0.5       # share of the topic's idf weight the answer + cited passages must cover
RELATIVE_MIN = 0.3    # or: at least this share, and nearly as much as the best retrieved passage covers
RELATIVE_SHARE = 0.9  # "nearly": this share of the best passage's coverage
PRONOUNS = frozenset("he she it they we i you him her them his its their this that these those".split())
SIMILAR_MIN = 0.55    # or: cosine between the question and an answer sentence (MiniLM)
# Words that shape a question without saying what it is about.
SCAFFOLD = frozenset(stem(w) for w in """according tell told mention mentioned statement statements say said
says happen happened many much long date day time number kind type types which what who whom whose whether
claim announce propose demand conclude find rule agree agreed list decide think call offer promise warn accuse
deny reject describe dismiss admit blame report confirm insist respond reply react write believe accept stress
note suggest threaten urge""".split())
_AUX = r"(?:did|does|do|has|have|had|was|were|is|are|will|would|could|can)"
# Verbs of saying and stance: "What did X <verb> …" asks what X said; "did each side release" does not.
_VERBS = (r"(?:say|said|tell|claim|announce|propose|demand|conclude|find|rule|agree|want|list|mention|"
          r"decide|think|call|offer|promise|warn|accuse|deny|reject|describe|dismiss|admit|blame|report|"
          r"confirm|insist|respond|reply|react|write|believe|accept|stress|note|suggest|threaten|urge)\b")
_DATE = re.compile(r"\b(?:\d{1,2}\s+(?:%s)|(?:%s)\s+\d{1,2}|(?:19|20)\d\d)\b" % ("|".join(MONTHS), "|".join(MONTHS)),
                   re.IGNORECASE)
_SUBJECT = re.compile(rf"\b{_AUX}\s+(?P<s>(?:(?!{_AUX}\b)[\w'’.-]+\s+){{0,7}}?)(?={_VERBS})", re.IGNORECASE)
# "according to X on January 9, 2020, …": the year after a comma belongs to the phrase
ACCORDING = re.compile(r"\baccording to\s+(?P<s>[^,.;?\[]+(?:,\s*(?:19|20)\d\d\b)?)", re.IGNORECASE)
_THE_PASSAGE = re.compile(r"(?:the|this|that)\s+(?:passage|text|document|excerpt|source)s?\b", re.IGNORECASE)
SAID_BY = re.compile(rf"^(?P<s>(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[\w'’.-]+){{0,5}}?)\s+{REPORT_VERBS}\b")


@dataclass
class Check:
    ok: bool
    why: str = ""


def asked_speaker(question: str) -> str | None:
    """Who the question asks about: "According to X, …" or the subject of "What did X say …"."""
    m = ACCORDING.search(question) or _SUBJECT.search(question)
    if not m:
        return None
    return m.group("s").strip() or None


def resolve(phrase: str, lookup: Callable[[str], str | None]) -> str | None:
    """A source id for the phrase or its longest part that names one ("Canada's forensic team" →
    "forensic team", "the White House readouts" → "White House")."""
    words = phrase.replace("’", "'").split()
    spans = sorted(((i, j) for i in range(len(words)) for j in range(i + 1, len(words) + 1)),
                   key=lambda ij: (ij[0] - ij[1], ij[0]))
    for i, j in spans:
        part = " ".join(words[i:j])
        if part.lower() in ("the", "a", "an", "of", "s"):
            continue
        for cand in (part, re.sub(r"^(?:the|a|an) ", "", part, flags=re.IGNORECASE)):
            sid = lookup(cand) or lookup(re.sub(r"'s\b", "", cand))
            if sid:
                return sid if _qualified_by_known(words[:i] + words[j:], lookup) else None
    return None


# capitalised words that qualify a name without naming anyone ("President Zelenskyy")
_TITLES = frozenset("""the a an president prime minister mr mrs ms dr foreign defence defense secretary general
spokesman spokeswoman spokesperson chancellor king queen prince sir lord senator governor mayor chairman chair
head chief ambassador envoy special deputy vice""".split())


def _qualified_by_known(rest: list[str], lookup: Callable[[str], str | None]) -> bool:
    """Whether the words around a matched name qualify it with nothing unknown: "Sweden's prime
    minister" is not "the Prime Minister" of the corpus when Sweden is no known source."""
    for w in rest:
        bare = re.sub(r"'s$", "", w.strip(",.;:"))
        if bare[:1].isupper() and bare.lower() not in _TITLES and lookup(bare) is None:
            return False
    return True


def topic_terms(question: str, speaker: str | None) -> set[str]:
    """The question's content stems minus the speaker's, the scaffolding and dates ("19 March", 2020)."""
    drop = set(tokenize(speaker or "")) | SCAFFOLD | {stem(w) for w in CALENDAR}
    return set(tokenize(_DATE.sub(" ", question))) - drop


def coverage(terms: set[str] | dict[str, float], text: str, idf: Callable[[str], float]) -> float:
    """Share of the terms' idf weight (times the term's weight, for a dict) that `text` uses."""
    if not terms:
        return 1.0
    weights = terms if isinstance(terms, dict) else dict.fromkeys(terms, 1.0)
    have = set(tokenize(text))
    total = sum(idf(t) * w for t, w in weights.items())
    return sum(idf(t) * w for t, w in weights.items() if uses(have, t)) / total if total else 1.0


_ABOUT = re.compile(r"\babout\s+(?P<p>.+?)(?=\s+(?:on|in|at|during|after|before|since|from|to|when|by|"
                    r"according)\b|[,?]|$)", re.IGNORECASE)
ABOUT_WEIGHT = 2.0  # "What did X find … about <this> on the night of …": the object of "about" matters most


def weighted_terms(question: str, speaker: str | None) -> dict[str, float]:
    """The topic terms, those in the question's "about …" phrase weighted ABOUT_WEIGHT."""
    terms = topic_terms(question, speaker)
    m = _ABOUT.search(question)
    focus = set(tokenize(m.group("p"))) if m else set()
    return {t: ABOUT_WEIGHT if t in focus else 1.0 for t in terms}


def is_constraint(phrase: str | None, lookup: Callable[[str], str | None]) -> bool:
    """Whether an asked-about phrase restricts who may be cited: a known source or a name ("the German
    chancellor"); not a pronoun ("he": whoever the conversation or the source filter is about) or a
    common noun ("the analysis", "the report")."""
    if not phrase or phrase.lower() in PRONOUNS:
        return False
    return resolve(phrase, lookup) is not None or any(w[:1].isupper() for w in phrase.split())


def speaker_matches(phrase: str | None, speakers: Sequence[str], texts: Sequence[str],
                    lookup: Callable[[str], str | None]) -> bool:
    """The asked speaker is a cited passage's speaker/source, or a cited passage names it as who speaks
    (not only inside what someone else says: `attribution.py`)."""
    if not is_constraint(phrase, lookup):
        return True
    sid = resolve(phrase, lookup)
    if sid is not None and sid in speakers:
        return True
    words = set(tokenize(phrase))
    have = set(tokenize(" ".join(texts)))
    # a name the registry does not know ("Sweden") must be in the passage itself
    unknown = [w for w in phrase.split() if w[:1].isupper() and w.lower() not in _TITLES
               and lookup(re.sub(r"['’]s$", "", w)) is None]
    return bool(words) and named_as_speaker(unknown, texts) and len(words & have) >= max(1, round(0.75 * len(words)))


def addresses(question: str, answer_text: str, speakers: Sequence[str], texts: Sequence[str], *,
              lookup: Callable[[str], str | None], idf: Callable[[str], float],
              similarity: Callable[[str, str], float] | None = None, best: float = 1.0,
              quotes: Sequence[str] | None = None, passages: Sequence | None = None) -> Check:
    """Whether an answer (its text, its cited passages' speakers and texts) addresses the question.
    `best`: the topic coverage of the best retrieved passage; an answer from a passage that covers
    nearly as much as the best one does addresses the question as well as the corpus can. `quotes`: the
    cited spans, when the topic must be covered by what is quoted rather than by the whole passages (an
    answer citing a passage's opening line does not answer from the passage's last one). `passages`: the
    cited passages, when a question about a named day must be answered from passages about that day."""
    phrase = asked_speaker(question)
    if not speaker_matches(phrase, speakers, texts, lookup):
        return Check(False, f"the cited passages are not by or about {phrase}")
    day = asked_day(question)
    if day and passages is not None and not any(about_day(day, p, p.text) for p in passages):
        return Check(False, "the cited passages are not about the day the question names")
    evidence = list(texts if quotes is None else quotes)
    kind = asked_kind(question)
    if not any(gives(kind, e) for e in evidence):
        return Check(False, f"the question asks for a {kind}; the cited passages state none")
    # the evidence must carry the topic, not the answer's wording (a model echoes the question's words)
    cov = coverage(weighted_terms(question, phrase), "\n".join(evidence), idf)
    if cov >= TOPIC_MIN or (cov >= RELATIVE_MIN and cov >= RELATIVE_SHARE * best):
        return Check(True, f"topic coverage {cov:.2f} (best passage {best:.2f})")
    if best >= TOPIC_MIN:  # a retrieved sentence says it in the question's words; this evidence does not
        return Check(False, f"topic coverage {cov:.2f}, best passage {best:.2f}")
    sim = max((similarity(question, e) for e in evidence), default=0.0) if similarity else 0.0
    if sim >= SIMILAR_MIN:
        return Check(True, f"similarity {sim:.2f}")
    return Check(False, f"topic coverage {cov:.2f}, similarity {sim:.2f}")


def _credits_cited(phrase: str, speakers: Sequence[str], sources: Sequence[str], texts: Sequence[str],
                   lookup: Callable[[str], str | None]) -> bool:
    """Whether "According to <phrase>" credits the cited passages: a known source must be one of their
    speakers or publishers; anything else is checked as a question's speaker is."""
    sid = resolve(phrase, lookup) if is_constraint(phrase, lookup) else None
    if sid is not None:
        return sid in speakers or sid in sources
    return speaker_matches(phrase, speakers, texts, lookup)


def fix_speakers(sentence: str, speakers: Sequence[str], texts: Sequence[str],
                 lookup: Callable[[str], str | None], names: Callable[[str], str],
                 sources: Sequence[str] = ()) -> str | None:
    """The sentence with its "According to X" / "X said" naming the cited passage's speaker; None when
    the sentence names someone else and cannot be fixed (no cited speaker to name instead). A known
    source must be the cited passage's speaker (or its publisher): being named in it, or in its
    document's title, does not make a claim theirs ("According to the White House, …" over the Kremlin's
    sentence in an article titled "Kremlin …; White House readout …"). A name the registry does not know
    must be in the cited text."""
    named = _names_cited(sentence, speakers, names)
    if named is not None:
        return named
    for pattern in (ACCORDING, SAID_BY):
        m = pattern.search(sentence)
        if not m:
            continue
        phrase = m.group("s").strip()
        vague = pattern is ACCORDING and _THE_PASSAGE.match(phrase)  # "according to the passage (from …)"
        if not vague and _credits_cited(phrase, speakers, sources, texts, lookup):
            return sentence
        who = [s for s in speakers if s not in ("news",)] or list(speakers)
        if not who:
            return None
        name = short_name(names(who[0]))
        if pattern is ACCORDING:
            name = _lower_the(name)
        rest = sentence[m.end("s"):]
        if vague and m.start() == 0 and rest.startswith(", ") and _names_speaker(rest, who[0], name, lookup):
            return rest[2:3].upper() + rest[3:]  # "According to the passage, X voted …" over X's own passage
        if pattern is ACCORDING and not vague:  # "According to X, its readouts …": "its" meant X
            rest = _POSSESSIVE.sub(lambda p: f"{p.group(1)}{possessive(phrase)}", rest, count=1)
        return sentence[:m.start("s")] + name + rest
    return sentence


_POSSESSIVE = re.compile(r"^(,\s+)(?:its|their)\b")


_PROPER = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:of\s+)?[A-Z][\w'’.-]*)*")
_THE = re.compile(r"^the\s+", re.IGNORECASE)


def _lower_the(name: str) -> str:
    """A name as it reads after "according to": "The Kremlin" is "the Kremlin"."""
    return "t" + name[1:] if name.startswith("The ") else name


def _names_speaker(text: str, sid: str, name: str, lookup: Callable[[str], str | None]) -> bool:
    """Whether `text` starts by naming the speaker `sid` as its subject: by `name` (its short name), or
    by a proper name the registry resolves to it ("Zelenskyy rejected the Kremlin's demands" over the
    Kremlin's passage still needs "According to the Kremlin")."""
    head = _THE.sub("", text.lstrip(", "))
    if head.lower().startswith(_THE.sub("", name).lower()):
        return True
    m = _PROPER.match(head)
    return m is not None and lookup(m.group(0)) == sid


def short_name(name: str) -> str:
    """A source's display name as an answer names it: without remarks in parentheses ("The Gazette
    (fictional newspaper)" is "The Gazette")."""
    return re.sub(r"\s*\([^)]*\)", "", name).strip() or name


_PASSAGE_FROM = r"(?:(?:the|this|that)\s+(?:passage|text|document|excerpt|source)s?\s+from\s+)?"
_ON_DAY = r"(?:\s+on\s+[^,.;?\[]{1,40}?(?:,\s*(?:19|20)\d\d\b)?)?"


def _names_cited(sentence: str, speakers: Sequence[str], names: Callable[[str], str]) -> str | None:
    """The sentence with "According to [the passage from] <a cited speaker's display name> [on <day>]"
    made "According to <its short name>", or None when it has no such phrase. The display name is
    matched whole, so a name with a comma in it ("the Government of X and its head, Y") is not cut at
    the comma and left behind after the replacement (which read "According to …, Y, Y on May 11, …")."""
    for sid in speakers:
        full = names(sid)
        for form in dict.fromkeys((full, short_name(full))):
            bare = _THE.sub("", form)
            if len(bare) < 3:
                continue
            m = re.search(rf"\b(according to)\s+{_PASSAGE_FROM}(the\s+)?{re.escape(bare)}(?!\w){_ON_DAY}(?=\s*[,.;?\[])",
                          sentence, re.IGNORECASE)
            if m:
                name = _lower_the(short_name(full))
                name = name if name.startswith("the ") or not m.group(2) else "the " + name
                return f"{sentence[:m.start()]}{m.group(1)} {name}{sentence[m.end():]}"
    return None
