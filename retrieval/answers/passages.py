"""What a question is answered from: the passages (a wider pool from hybrid search, reranked by the
answer checks' needs, the asked speaker's own passages first, paragraph neighbours added), and what the
answer checks look words up in (the corpus vocabulary, sentence similarity)."""
from __future__ import annotations

import logging
from typing import Callable, Sequence

import numpy as np

from retrieval.answers.relevance import asked_speaker, resolve
from retrieval.answers.rerank import rerank
from retrieval.models import Hit
from retrieval.text import split_sentences, tokenize

log = logging.getLogger(__name__)


def answer_passages(searcher, registry, question: str, sources: Sequence[str], k: int, pool_factor: int) -> list[Hit]:
    """The `k` passages a question is answered from (`sources`: only these parties' passages)."""
    parties = [registry.resolve(s) for s in sources]
    pool = searcher.search(question, parties=parties, k=k * pool_factor)
    hits = rerank(question, pool, searcher.idf, k)
    if not parties:  # (a neighbour may be another party's: only when the question names none)
        hits = searcher.with_paragraph_neighbours(_with_asked_speaker(searcher, registry, question, hits))
    log.debug("ask: %d passage(s) retrieved", len(hits))
    return hits


def _with_asked_speaker(searcher, registry, question: str, hits: list[Hit]) -> list[Hit]:
    """When the question asks what a known source said ("According to Zelenskyy, …"), that source's
    best passages first, then the others: a question about one speaker's words is not answered from a
    louder neighbour's."""
    phrase = asked_speaker(question)
    sid = resolve(phrase, registry.lookup) if phrase else None
    if sid is None:
        return hits
    own = searcher.search(question, parties=[sid], k=2)
    ids = {h.passage.id for h in own}
    return own + [h for h in hits if h.passage.id not in ids]  # at most two more passages


class KnownTerms:
    """Membership in the keyword index's vocabulary or in a small set of extra terms."""

    def __init__(self, vocabulary, extra: set[str]) -> None:
        self.vocabulary, self.extra = vocabulary, extra

    def __contains__(self, term: object) -> bool:
        return term in self.extra or term in self.vocabulary


def known_terms(vocabulary, titles: Sequence[str], registry) -> KnownTerms:
    """Every word stem of the indexed passages (`vocabulary`), of the documents' titles and of the
    source names."""
    extra: set[str] = set()
    for title in titles:
        extra.update(tokenize(title))
    for s in registry.all():
        extra.update(tokenize(" ".join((s.name, *s.aliases))))
    return KnownTerms(vocabulary, extra)


def sentence_similarity(embed: Callable[[list[str]], np.ndarray], question: str, text: str) -> float:
    """The highest cosine between the question and a sentence of `text` (its first eight)."""
    sents = [s.text for s in split_sentences(text, 0, len(text))][:8] or [text]
    vecs = np.asarray(embed([question, *sents]), dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-9
    return float((vecs[1:] @ vecs[0]).max())
