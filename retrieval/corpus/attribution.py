"""Who said it: rule-based speaker attribution for news text.

A news article mixes voices. Each sentence gets a speaker:
- a lead-in such as "The Kremlin's statement included the following:" attributes the bullet list after it;
- inside such a list, the publisher's own asides ("(There has so far been no news…)", "The statement does
  not specify…") stay with the publisher;
- "Zelenskyy said…", "…, the Kremlin said", "according to the White House…" attribute their sentence;
  "he said" continues the previous speaker (or the source the previous sentence opened with);
- the speaker is the MAIN clause's: in "He said the ministry was lying when it claimed the plant was
  closed" the first report verb ("said") is the main one, so the sentence is his (he says the plant is
  open), never the ministry's own statement; "When X claimed …, Y said …" and "…, Y said." at the end are
  Y's; a report verb coordinated with the first verb ("It called the attack a provocation by the US
  president and said …") has the sentence's opening subject, not the last name before it; a
  main-clause subject that is no known source ("Officials said …") leaves the sentence with the
  publisher rather than handing it to a party named further in;
- anything else belongs to the publisher.
Consecutive sentences of one speaker within a paragraph are merged into one Segment."""
from __future__ import annotations

import re
from typing import Sequence

from retrieval.models import Segment
from retrieval.text import split_sentences, stem
from retrieval.text.sentences import BULLET as _BULLET
from retrieval.corpus.clauses import (
    CLAUSE_START, COORDINATED, DOCUMENT, EDITORIAL, JOINT_AFTER, JOINT_BEFORE, NOT_SUBJECT, PRONOUN_OPENING,
    PRONOUN_SUBJECT, REPORT, SUBORDINATE, TRAILING, apposition, inside_quotes, own_clause, paragraphs,
    quote_or_clause_before, reports_nobody, subject_after_comma,
)
from retrieval.corpus.nationality import NationalBodies
from retrieval.corpus.sources import SourceRegistry, alias_pattern


class Attributor:
    def __init__(self, registry: SourceRegistry) -> None:
        self.registry = registry
        self._national = NationalBodies(registry)
        items = registry.alias_items()
        alias_re = "|".join(alias_pattern(a) for a, _ in items) or r"(?!x)x"
        self._alias_to_id = {a.lower().replace("’", "'"): sid for a, sid in items}
        self._alias = re.compile(rf"(?<![\w])({alias_re})(?![\w])", re.IGNORECASE)
        self._according = re.compile(rf"\baccording to (?:the |a |an )?(?:{DOCUMENT}\s+(?:of|by|from)\s+(?:the )?)?"
                                     rf"({alias_re})(?![\w])", re.IGNORECASE)
        self._statement = re.compile(
            rf"(?<![\w])({alias_re})(?:['’]s)?\s+(?:statement|readout|statements)\b", re.IGNORECASE)

    def _id(self, alias: str) -> str | None:
        return self._alias_to_id.get(alias.lower().replace("’", "'"))

    def sentence_speaker(self, sentence: str) -> str | None:
        """The speaker a sentence's own main-clause cue names, if any (see `main_cue`)."""
        kind, sid = self.main_cue(sentence)
        return sid if kind == "alias" else None

    def main_cue(self, sentence: str) -> tuple[str, str | None]:
        """("alias", id) when the main clause's report verb has a known source as subject,
        ("pronoun", None) for "he said" (the previous speaker), ("other", None) for a subject that is no
        known source ("Officials said"), ("none", None) without a report verb outside quotes.

        Which report verb is the main one: a trailing ", X said [adverbial]." wins; otherwise the first
        one outside quotation marks, unless it sits in a leading subordinate clause ("When X claimed …, Y
        said …"). "according to X" at the start or after a comma attributes the sentence too."""
        m = self._according.search(sentence)
        if m and (m.start() == 0 or sentence[: m.start()].rstrip().endswith((",", "(", "—", "–"))):
            return "alias", self._id(m.group(1))
        verbs = [v for v in REPORT.finditer(sentence) if not inside_quotes(sentence, v.start())
                 and not reports_nobody(sentence, v)]
        if not verbs:
            return "none", None
        main = verbs[0]
        tail = [v for v in verbs if TRAILING.match(sentence[v.end():]) and
                re.search(r",\s*[^,]{0,60}$", sentence[: v.start()])]
        if tail and quote_or_clause_before(sentence, tail[-1].start()):
            at = tail[-1].start()  # "…, officials said.": the subject is after the last comma
            return self._subject(sentence, at, floor=max(sentence.rfind(",", 0, at), 0))
        elif SUBORDINATE.match(sentence):
            comma = sentence.find(",")
            later = [v for v in verbs if v.start() > comma] if comma > main.start() else []
            main = later[0] if later else main
        return self._subject(sentence, main.start())

    def _leading_alias(self, sentence: str) -> str | None:
        """The known source a sentence opens with as its subject ("Mayor Okafor toured …", also after a
        short opening phrase: "About an hour later, the ministry published …"), if any."""
        # "Some US officials believe …", "Last week North Korea's commission called …", "The Belarusian
        # foreign ministry summoned …" (the alias without its article)
        text = _QUANTIFIER.sub("", _TIME_OPENING.sub("", sentence.lstrip("“\"‘'(– ")))
        m = self._alias.match(text) or self._alias.match(re.sub(r"^the\s+", "", text, flags=re.IGNORECASE))
        if m is None and 0 < text.find(", ") <= 50:
            m = self._alias.match(text[text.find(", ") + 2:])
        return self._id(m.group(1)) if m else None

    def _subject(self, sentence: str, verb_at: int, floor: int = 0) -> tuple[str, str | None]:
        """Who the report verb at `verb_at` has as subject: the nearest alias before it in its clause
        (up to 120 characters back, not across a quotation), or a pronoun right before it; ("other",
        the words before the verb) for a subject that is no known source."""
        lo = max(floor, verb_at - 120)
        while lo > floor and sentence[lo - 1].isalnum():  # never start inside a word
            lo -= 1
        window = sentence[lo:verb_at]
        cut = max(window.rfind("“"), window.rfind("”"), window.rfind('"'))
        window = window[cut + 1:] if cut >= 0 else window
        if floor == 0 and COORDINATED.search(window):  # "It called X … of the US president, and said …"
            return self._opening_subject(sentence)
        # the subject sits in the verb's own clause. After ", which"/", who" (a relative clause between
        # subject and verb) the subject is before it; after any other subordinator ("that", "when",
        # "after") the report verb is itself subordinate, so the main clause reports nobody.
        tail = subject_after_comma(window)
        sub = [] if tail is not None and not CLAUSE_START.search(tail) else list(CLAUSE_START.finditer(window))
        if sub:
            m = sub[-1]
            if m.group(0).lower() in ("which", "who") and window[: m.start()].rstrip().endswith(","):
                found = list(self._alias.finditer(window[: m.start()]))
                return ("alias", self._id(found[-1].group(1))) if found else ("other", window[: m.start()])
            if floor == 0 and sentence[lo + m.start():].strip() and (lo + m.start()) > 0:
                return "none", None
            window = own_clause(window[m.end():])
        else:
            window = tail if tail is not None else own_clause(window)
        if PRONOUN_SUBJECT.search(window):
            return "pronoun", None
        named = self._alias.search(apposition(window))  # "X, the ambassador in Washington and a brother
        if named:                                           # of the crown prince, said": the ambassador
            return "alias", self._id(named.group(1))
        found = list(self._alias.finditer(window))
        if found and (JOINT_BEFORE.search(window[:found[-1].start()]) or JOINT_AFTER.match(window[found[-1].end():])):
            return "other", window  # "Russia and Ukraine accused each other …": no one speaker
        if found:
            return "alias", self._id(found[-1].group(1))
        national = self._national.source(window)  # "Belarusian officials said"
        return ("alias", national) if national else ("other", window)

    def _opening_subject(self, sentence: str) -> tuple[str, str | None]:
        """The subject the sentence opens with, for a report verb coordinated with its first verb ("He
        called the denial absurd and said …"): a pronoun, a known source, or someone else."""
        if PRONOUN_OPENING.match(sentence.lstrip("“\"‘'(– ")):
            return "pronoun", None
        sid = self._leading_alias(sentence)
        return ("alias", sid) if sid else ("other", None)

    def lead_in_speaker(self, paragraph: str) -> str | None:
        """For a paragraph that ends with ':' and introduces a list: whose statement the list reports."""
        sentences = split_sentences(paragraph, 0, len(paragraph))
        for sent in reversed(sentences):
            m = self._statement.search(sent.text)
            if m:
                return self._id(m.group(1))
            if re.search(r"\b(?:statement|readout)\b", sent.text, re.IGNORECASE) is None:
                break
        return None

    def attribute(self, text: str, publisher: str) -> list[Segment]:
        segments: list[Segment] = []
        list_speaker: str | None = None
        previous = publisher
        recent: list[tuple[str, str | None]] = []  # the last sentences and whose each is (or who it opens with)
        for ps, pe in paragraphs(text):
            para = text[ps:pe]
            bullet = _BULLET.match(para)
            is_bullet = bool(bullet)
            if not is_bullet:
                list_speaker = None
            for sent in split_sentences(text, ps + (bullet.end() if bullet else 0), pe):
                speaker, named = self._speaker_for(sent.text, is_bullet, list_speaker, publisher, previous, recent)
                # who "he" is next: whoever this sentence names as speaker (the publisher too: "The agency
                # said …. He said …"), else the source it opens with ("Mayor Okafor toured the site.")
                owner = speaker if named else self._leading_alias(sent.text)
                previous = owner or previous
                recent = [*recent[1 - RECENT:], (sent.text, owner)]
                _extend(segments, Segment(sent.start, sent.end, speaker), text, ps)
            if not is_bullet and para.rstrip().endswith(":"):
                list_speaker = self.lead_in_speaker(para) or publisher
        return segments

    def _speaker_for(self, sentence: str, is_bullet: bool, list_speaker: str | None,
                     publisher: str, previous: str,
                     recent: Sequence[tuple[str, str | None]] = ()) -> tuple[str, bool]:
        """(speaker, whether the sentence names it) of one sentence; the publisher unnamed by default."""
        if EDITORIAL.search(sentence):
            return publisher, False
        if is_bullet and list_speaker and list_speaker != publisher:
            return list_speaker, True
        kind, cue = self.main_cue(sentence)
        if kind == "alias" and cue:
            return cue, True
        if kind == "pronoun" and previous:
            return previous, True
        again = _named_before(cue, recent) if kind == "other" and cue else None
        if again:
            return again, True  # "A Foreign Office spokesman said …. The spokesman said …"
        return publisher, False


# words that may open a subject before a source's alias ("Some US officials", "Two senior Kremlin officials")
_QUANTIFIER = re.compile(r"^(?:(?:some|several|many|most|other|few|a few|a number of|two|three|four|senior|"
                         r"top|unnamed|anonymous)\s+)+", re.IGNORECASE)
_TIME_OPENING = re.compile(r"^(?:(?:last|this|next|on|early|late|earlier|later)\s+)?(?:week|month|year|yesterday|"
                           r"today|tonight|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\s+(?=[A-Z])", re.IGNORECASE)
_DETERMINERS = frozenset("the this that these those a an".split())
RECENT = 5  # sentences looked back through for the one a subject names again


def _head(subject: str) -> str | None:
    """The stem of the word a report verb's subject that is no known source names someone by, when it
    names one: its last word, a name ("Fox told") or a noun after a determiner ("The spokesman said")."""
    said = re.findall(r"[\w’'-]+", subject)
    while said and said[-1].lower() in NOT_SUBJECT:
        said.pop()
    if not said or len(said[-1]) < 3 or not said[-1].isalpha():
        return None
    head = said[-1]
    named = len(said) == 1 and head[0].isupper() or len(said) >= 2 and said[-2].lower() in _DETERMINERS
    return stem(head) if named else None


def _named_before(subject: str, recent: Sequence[tuple[str, str | None]]) -> str | None:
    """Whose the latest recent sentence naming the subject's head word is ("The spokesman said …" after
    "A Foreign Office spokesman said …"; "The report said …" after "…, according to a report of the
    Mechanism"), if that sentence names a speaker or opens with a source; None otherwise."""
    head = _head(subject)
    if head is None:
        return None
    for text, owner in reversed(recent):
        if head in {stem(w) for w in re.findall(r"[\w’'-]+", text)}:
            return owner
    return None


def _extend(segments: list[Segment], seg: Segment, text: str, para_start: int) -> None:
    """Merge with the previous segment when it has the same speaker and lies in the same paragraph."""
    if segments:
        last = segments[-1]
        if last.speaker == seg.speaker and last.end >= para_start and "\n" not in text[last.end:seg.start]:
            segments[-1] = Segment(last.start, seg.end, seg.speaker)
            return
    segments.append(seg)
