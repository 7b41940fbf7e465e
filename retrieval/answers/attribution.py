"""Is a name in a passage as the one who speaks, or only in what someone else says?

"According to the head of Porton Down, could the agent have come from his laboratory?" is not answered
by "He said the agent had most probably come from the laboratory at Porton Down" (the ambassador's
words): the name is in the passage, but inside a claim about it. A name speaks when it is in the subject
of a reporting verb ("The head of the laboratory at Porton Down said …", "…, the Porton Down chief
said.") or follows "according to"."""
from __future__ import annotations

import re
from typing import Sequence

from retrieval.corpus.clauses import reports_nobody
from retrieval.text import REPORT_VERBS, split_sentences, tokenize

_REPORTING = re.compile(rf"\b(?:{REPORT_VERBS}|tells|has said|have said)\b", re.IGNORECASE)
_ACCORDING = re.compile(r"\baccording to\s+([^,.;]+)", re.IGNORECASE)
EARLY = 0.6  # a reporting verb in the first 60% of a sentence introduces it; a later one closes it


def speaker_spans(sentence: str) -> list[str]:
    """The parts of a sentence that say who speaks: the subject of each reporting verb (all that
    precedes a verb that introduces the sentence; the clause after the last comma before a verb that
    closes it) and what follows "according to"."""
    spans = [m.group(1) for m in _ACCORDING.finditer(sentence)]
    for m in _REPORTING.finditer(sentence):
        if reports_nobody(sentence, m):  # "the United States", "the alleged cracks"
            continue
        before = sentence[: m.start()]
        if m.start() <= EARLY * len(sentence):
            spans.append(before)
        else:
            spans.append(before.rsplit(",", 1)[-1])
    return spans


def named_as_speaker(names: Sequence[str], texts: Sequence[str]) -> bool:
    """Whether every word of `names` (the proper names of an asked-about speaker the registry does not
    know) appears together in some speaker span of the texts."""
    want = set(tokenize(" ".join(names)))
    if not want:
        return True
    for text in texts:
        for s in split_sentences(text):
            if any(want <= set(tokenize(span)) for span in speaker_spans(s.text)):
                return True
    return False
