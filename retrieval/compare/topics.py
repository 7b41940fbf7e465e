"""Briefing order: rows grouped by topic, topics labelled with words from their own quotes.

Rows are clustered greedily by the embedding of their quotes (a row joins the first topic whose seed
row is within TOPIC_JOIN and shares a content word with it). A topic's label is the two or three
content words its quotes use most (weighted by rarity in the comparison), in the form they appear in
the quotes: nothing is invented. Rows are ordered by what an analyst needs first (contradictions, then
differences, then what one side says alone, then agreement) and, within a relation, topic by topic."""
from __future__ import annotations

import re
from collections import Counter
from typing import Callable, Sequence

import numpy as np

from retrieval.text.numbers import NUMBER_WORDS
from retrieval.compare.models import CompareRow
from retrieval.text import REPORT_VERBS, content_words, stem

TOPIC_JOIN = 0.5
LABEL_WORDS = 3
# Words that say nothing about a topic (report verbs aside): never a label.
_BLAND = {stem(w) for w in """between following being both said says also would could other earlier later today
    tuesday wednesday statement statements officials added told whether including within according towards toward
    because since days after before there their which while very""".split()}
FIRST_PAGE = 12
ORDER = {"contradict": 0, "differ": 1, "only_a": 2, "only_b": 3, "agree": 4}


def row_text(row: CompareRow) -> str:
    return " ".join(c.quote for c in (*row.a, *row.b))


def cluster(vecs: np.ndarray, texts: Sequence[str]) -> list[int]:
    """A topic number per row."""
    seeds: list[int] = []
    stems = [{stem(w) for w in content_words(t)} for t in texts]
    topic = []
    for i in range(len(texts)):
        for k, s in enumerate(seeds):
            if float(vecs[i] @ vecs[s]) >= TOPIC_JOIN and stems[i] & stems[s]:
                topic.append(k)
                break
        else:
            seeds.append(i)
            topic.append(len(seeds) - 1)
    return topic


_ARTICLE = re.compile(r"\b(?:the|a|an|its|their|his|her|our|this|these|those)\s+([A-Za-z][\w-]*)", re.IGNORECASE)
_PREPOSITION = re.compile(r"\b(?:of|on|for|about|with|over|against|from|in|at)\s+([A-Za-z][\w-]*)", re.IGNORECASE)
_BEFORE_OF = re.compile(r"\b([A-Za-z][\w-]*)\s+of\b")


def nounish(texts: Sequence[str]) -> set[str]:
    """Stems used as nouns somewhere in the texts: right after an article or possessive ("the
    moratorium"), after a preposition unless it is an adverb or a verb's -ing form ("of sanctions", not
    "of forcibly", "of having"), or right before "of". Labels prefer them to verbs and adverbs
    ("expressed", "additionally"), which never stand there."""
    found = set()
    for t in texts:
        words = [m.group(1) for rx in (_ARTICLE, _BEFORE_OF) for m in rx.finditer(t)]
        words += [w for w in (m.group(1) for m in _PREPOSITION.finditer(t)) if not w.lower().endswith(("ly", "ing"))]
        found |= {stem(w.lower()) for w in words if w.lower() not in NUMBER_WORDS}
    return found


def _labelable(w: str, s: str, ignore: set[str]) -> bool:
    contraction = "'" in w.replace("’", "'").removesuffix("'s")
    return not (s in ignore or s in _BLAND or re.fullmatch(REPORT_VERBS, w.lower()) or len(w) < 4 or w.isdigit()
                or contraction)


def label(texts: Sequence[str], idf: Callable[[str], float], ignore: set[str], nouns: set[str] | None = None) -> str:
    """The content words the texts share most, weighted by rarity, nouns first (`nouns`: stems used as
    nouns in the comparison); surface forms from the quotes."""
    counts: Counter = Counter()
    surface: dict[str, str] = {}
    for t in texts:
        for w in content_words(t):
            s = stem(w)
            if _labelable(w, s, ignore):
                surface.setdefault(s, w.replace("’", "'").removesuffix("'s"))
        counts.update({stem(w) for w in content_words(t)} - ignore)
    noun = (lambda s: s in nouns) if nouns is not None else (lambda s: True)
    ranked = sorted((s for s in counts if s in surface), key=lambda s: (
        not noun(s), counts[s] == 1, -counts[s] * max(idf(s), 0.1) if counts[s] > 1 else -idf(s), s))
    return ", ".join(surface[s] for s in ranked[:LABEL_WORDS])


def assign_topics(rows: list[CompareRow], embedder, idf, ignore: set[str]) -> None:
    if not rows:
        return
    texts = [row_text(r) for r in rows]
    topics = cluster(embedder.embed(texts), texts)
    nouns = nounish(texts)
    for k in set(topics):
        members = [i for i, t in enumerate(topics) if t == k]
        name = label([texts[i] for i in members], idf, ignore, nouns)
        for i in members:
            rows[i].topic_label = name
            rows[i].topic = k


def briefing_order(rows: list[CompareRow]) -> list[CompareRow]:
    """Relation first (contradictions first, agreement last); within a relation, larger topics first
    and a topic's rows together; then document order."""
    size = Counter((ORDER[r.relation], r.topic) for r in rows)

    def key(r: CompareRow):
        c = (r.a or r.b)[0]
        return ORDER[r.relation], -size[(ORDER[r.relation], r.topic)], r.topic, c.doc, c.start

    return sorted(rows, key=key)


def first_page(rows: Sequence[CompareRow]) -> int:
    return min(FIRST_PAGE, len(rows))
