"""Who said it: rule-based speaker attribution for news text.

A news article mixes voices. Each sentence gets a speaker:
- a lead-in such as "The Kremlin's statement included the following:" attributes the bullet list after it;
- inside such a list, the publisher's own asides ("(There has so far been no news…)", "The statement does
  not specify…") stay with the publisher;
- "Zelenskyy said…", "…, the Kremlin said", "according to the White House…" attribute their sentence;
  "he said" continues the previous speaker;
- anything else belongs to the publisher.
Consecutive sentences of one speaker within a paragraph are merged into one Segment."""
from __future__ import annotations

import re

from retrieval.models import Segment
from retrieval.text import REPORT_VERBS, SUBORDINATE_END, split_sentences
from retrieval.text.sentences import BULLET as _BULLET
from retrieval.corpus.sources import SourceRegistry

VERBS = rf"(?:has |had |have )?{REPORT_VERBS}"
_PRONOUN_SAID = re.compile(rf"\b(?:he|she|they|it)\s+{VERBS}\b", re.IGNORECASE)
_EDITORIAL = re.compile(
    r"^\(|\bno news\b|\bso far\b|\b(?:does|did|do) not (?:specify|say|mention|spell out)\b"
    r"|\bwas not (?:given|specified|mentioned)\b|\bnot (?:specified|given)\b|\bit is unclear\b",
    re.IGNORECASE,
)



def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line-paragraph; bullet lines are paragraphs of their own."""
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        s, e = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        if text[s:e].strip():
            spans.append((s, e))
    return spans


class Attributor:
    def __init__(self, registry: SourceRegistry) -> None:
        self.registry = registry
        items = registry.alias_items()
        alias_re = "|".join(re.escape(a) for a, _ in items) or r"(?!x)x"
        self._alias_to_id = {a.lower().replace("’", "'"): sid for a, sid in items}
        self._alias = re.compile(rf"(?<![\w])({alias_re})(?![\w])", re.IGNORECASE)
        self._said = re.compile(rf"(?<![\w])({alias_re})(?![\w])[^.!?“”\"]{{0,90}}?\b{VERBS}\b", re.IGNORECASE)
        self._according = re.compile(rf"\baccording to (?:the |a |an )?({alias_re})(?![\w])", re.IGNORECASE)
        self._statement = re.compile(
            rf"(?<![\w])({alias_re})(?:['’]s)?\s+(?:statement|readout|statements)\b", re.IGNORECASE)

    def _id(self, alias: str) -> str | None:
        return self._alias_to_id.get(alias.lower().replace("’", "'"))

    def sentence_speaker(self, sentence: str) -> str | None:
        """The speaker a sentence's own cue names, if any."""
        m = self._according.search(sentence)
        if m:
            return self._id(m.group(1))
        best = None
        for m in self._said.finditer(sentence):
            # the alias nearest to the verb is the subject: re-search inside the match
            inner = list(self._alias.finditer(m.group(0)))
            if not inner or SUBORDINATE_END.search(sentence[: m.start() + inner[-1].start()]):
                continue  # "… after Putin told Trump …": a subordinate clause, not the sentence's speaker
            best = self._id(inner[-1].group(1))
        return best

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
        for ps, pe in paragraphs(text):
            para = text[ps:pe]
            bullet = _BULLET.match(para)
            is_bullet = bool(bullet)
            if not is_bullet:
                list_speaker = None
            for sent in split_sentences(text, ps + (bullet.end() if bullet else 0), pe):
                speaker = self._speaker_for(sent.text, is_bullet, list_speaker, publisher, previous)
                previous = speaker if speaker != publisher else previous
                _extend(segments, Segment(sent.start, sent.end, speaker), text, ps)
            if not is_bullet and para.rstrip().endswith(":"):
                list_speaker = self.lead_in_speaker(para) or publisher
        return segments

    def _speaker_for(self, sentence: str, is_bullet: bool, list_speaker: str | None,
                     publisher: str, previous: str) -> str:
        if _EDITORIAL.search(sentence):
            return publisher
        if is_bullet and list_speaker and list_speaker != publisher:
            return list_speaker
        cue = self.sentence_speaker(sentence)
        if cue:
            return cue
        if _PRONOUN_SAID.search(sentence) and previous:
            return previous
        return publisher


def _extend(segments: list[Segment], seg: Segment, text: str, para_start: int) -> None:
    """Merge with the previous segment when it has the same speaker and lies in the same paragraph."""
    if segments:
        last = segments[-1]
        if last.speaker == seg.speaker and last.end >= para_start and "\n" not in text[last.end:seg.start]:
            segments[-1] = Segment(last.start, seg.end, seg.speaker)
            return
    segments.append(seg)
