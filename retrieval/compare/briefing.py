"""`compare A B [topic]`: align what speaker A says with what speaker B says.

Claims of A and of B (from their passages; with a topic, from the passages a hybrid search for the
topic finds and that are close to it) are embedded and linked when their cosine similarity reaches
MATCH; each connected group of linked claims is one shared row (`agree`, `differ` or `contradict`),
and each unlinked claim (merged with its neighbours from the same passage) an `only_a` / `only_b` row.
A shared row is `contradict` when the ledger or the numeric check says so, `agree` when the claims are
close restatements without opposite polarity, else `differ`. Every row carries verbatim citations."""
from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from retrieval.contradictions.claims import clauses, extract_claims
from retrieval.errors import BusyError, LLMUnavailableError
from retrieval.contradictions.judge import opposed, topic_overlap
from retrieval.contradictions.ledger import pair_id
from retrieval.corpus.sources import SourceRegistry
from retrieval.llm import ChatModel
from retrieval.models import Claim, CompareResult, CompareRow, Hit
from retrieval.contradictions.numeric import find_conflict
from retrieval.llm.prompts import load_prompt
from retrieval.text import clip, content_words, split_sentences, stem

log = logging.getLogger(__name__)
MATCH = 0.55
TOPIC_MATCH = 0.45  # within a topic both sides are already on the subject  # claims this similar talk about the same point
AGREE = 0.65  # ... and this similar (without opposite polarity) say the same thing
TOPIC_FLOOR = 0.15
TOPIC_SPREAD = 0.3  # keep claims within this similarity of the most on-topic one
LEXICAL_WEIGHT, LEXICAL_CAP = 0.04, 0.15
TOPIC_K = 12
MAX_CLAIMS = 400
MAX_LLM_SUMMARIES = 8
_ORDER = {"contradict": 0, "differ": 1, "agree": 2, "only_a": 3, "only_b": 4}


@dataclass
class Material:
    """What a comparison reads, handed over by the service: search, the stored passages, the
    embedder, the ledger and the source registry (never the service itself)."""

    search: Callable[..., list[Hit]]
    store: Any
    embedder: Any
    ledger: Any
    registry: SourceRegistry


def compare_sources(m: Material, a: str, b: str, topic: str | None, llm: ChatModel | None) -> CompareResult:
    claims_a, claims_b = _claims_for(m, a, topic), _claims_for(m, b, topic)
    if topic:
        claims_a, claims_b = _on_topic(m, topic, claims_a, claims_b)
    rows = align(m.embedder, claims_a, claims_b, _contradicted_pairs(m),
                 match=TOPIC_MATCH if topic else MATCH, ignore=_name_stems(m))
    names = (m.registry.display(a), m.registry.display(b))
    _summarise(rows, names, llm)
    _number(rows)
    return CompareResult(a=a, b=b, topic=topic, rows=rows)


def _claims_for(m: Material, speaker: str, topic: str | None) -> list[Claim]:
    if topic:
        passages = [h.passage for h in m.search(topic, speakers=[speaker], k=TOPIC_K)]
    else:
        passages = list(m.store.iter_passages(where={"speaker": speaker}))
    claims = [part for c in extract_claims(passages) if c.speaker == speaker for part in clauses(c)]
    return claims[:MAX_CLAIMS]


def _on_topic(m: Material, topic: str, claims_a: list[Claim], claims_b: list[Claim]) -> tuple[list, list]:
    """Claims of either side within TOPIC_SPREAD of the most on-topic claim of both sides."""
    both = claims_a + claims_b
    if not both:
        return claims_a, claims_b
    vecs = m.embedder.embed([topic] + [c.text for c in both])
    sims = vecs[1:] @ vecs[0]
    floor = max(TOPIC_FLOOR, float(sims.max()) - TOPIC_SPREAD)
    keep = {c.id for c, s in zip(both, sims) if s >= floor}
    return [c for c in claims_a if c.id in keep], [c for c in claims_b if c.id in keep]


def _contradicted_pairs(m: Material) -> set[str]:
    try:
        return {c.id for c in m.ledger.list("all")}
    except Exception as exc:  # the ledger is an optional signal here
        log.warning("compare: ledger unavailable (%s)", exc)
        return set()


def _name_stems(m: Material) -> set[str]:
    return {stem(w) for s in m.registry.all() for name in (s.name, *s.aliases) for w in content_words(name)}


def link_scores(embedder, claims_a: list[Claim], claims_b: list[Claim], ignore: set[str]) -> np.ndarray:
    """Cosine similarity plus a capped bonus for rare content words both claims use (names aside)."""
    ea = embedder.embed([c.text for c in claims_a])
    eb = embedder.embed([c.text for c in claims_b])
    texts = [c.text for c in (*claims_a, *claims_b)]
    df = Counter(s for t in texts for s in {stem(w) for w in content_words(t)})
    idf = lambda s: math.log((len(texts) + 1) / (df[s] + 1))  # noqa: E731
    bonus = np.array([[min(LEXICAL_CAP, LEXICAL_WEIGHT * topic_overlap(x.text, y.text, idf, ignore))
                       for y in claims_b] for x in claims_a])
    return ea @ eb.T + bonus


def align(embedder, claims_a: list[Claim], claims_b: list[Claim], contradicted: set[str],
          match: float = 0.55, ignore: set[str] = frozenset()) -> list[CompareRow]:
    if not claims_a and not claims_b:
        return []
    sims = (link_scores(embedder, claims_a, claims_b, ignore) if claims_a and claims_b
            else np.zeros((len(claims_a), len(claims_b))))
    rows: list[CompareRow] = []
    linked_a, linked_b = set(), set()
    for ia, ib in _components(sims, match):
        linked_a |= set(ia)
        linked_b |= set(ib)
        ga, gb = [claims_a[i] for i in ia], [claims_b[j] for j in ib]
        best = float(sims[np.ix_(ia, ib)].max())
        rows.append(CompareRow(_relation(ga, gb, best, contradicted), "", [c.citation() for c in ga],
                               [c.citation() for c in gb]))
    for i_group in _by_passage([c for i, c in enumerate(claims_a) if i not in linked_a]):
        rows.append(CompareRow("only_a", "", [c.citation() for c in i_group], []))
    for j_group in _by_passage([c for j, c in enumerate(claims_b) if j not in linked_b]):
        rows.append(CompareRow("only_b", "", [], [c.citation() for c in j_group]))
    rows.sort(key=lambda r: (_ORDER[r.relation], *(_first(r))))
    return rows


def _components(sims: np.ndarray, match: float) -> list[tuple[list[int], list[int]]]:
    """Groups of linked claims, star-shaped so that chains never merge unrelated points: every A claim
    joins its most similar B claim (if >= MATCH); a B claim nobody joined joins the group of its most
    similar A claim (if >= MATCH)."""
    na, nb = sims.shape
    if not na or not nb:
        return []
    groups: dict[int, tuple[list[int], list[int]]] = {}
    best_b = sims.argmax(axis=1)
    for i in range(na):
        j = int(best_b[i])
        if sims[i, j] >= match:
            groups.setdefault(j, ([], [j]))[0].append(i)
    joined_a = {i: j for j, (ia, _) in groups.items() for i in ia}
    for j in range(nb):
        i = int(sims[:, j].argmax())
        if j not in groups and sims[i, j] >= match and i in joined_a:
            groups[joined_a[i]][1].append(j)
    return list(groups.values())


def _relation(ga: list[Claim], gb: list[Claim], best: float, contradicted: set[str]) -> str:
    for x in ga:
        for y in gb:
            if pair_id(x, y) in contradicted or find_conflict(x.text, y.text):
                return "contradict"
    if best >= AGREE and not any(opposed(x.text, y.text) for x in ga for y in gb):
        return "agree"
    return "differ"


def _by_passage(claims: list[Claim]) -> list[list[Claim]]:
    groups: dict[str, list[Claim]] = {}
    for c in claims:
        groups.setdefault(c.passage_id or c.id, []).append(c)
    return list(groups.values())


def _first(row: CompareRow) -> tuple[str, int]:
    c = (row.a or row.b)[0]
    return c.doc, c.start


def _number(rows: Sequence[CompareRow]) -> None:
    n = 0
    for row in rows:
        for cit in (*row.a, *row.b):
            n += 1
            cit.n = n


# ---- summaries ------------------------------------------------------------------------------
def _summarise(rows: list[CompareRow], names: tuple[str, str], llm) -> None:
    prompt = load_prompt("compare_summary", frozenset({"relation", "name_a", "quotes_a", "name_b", "quotes_b"}))
    budget = MAX_LLM_SUMMARIES if llm is not None else 0
    for row in rows:
        row.summary = template_summary(row, names)
        if budget <= 0:
            continue
        budget -= 1
        try:
            text = llm.chat(prompt.render(relation=_RELATION_WORDS[row.relation], name_a=names[0],
                                          quotes_a=_quotes(row.a), name_b=names[1], quotes_b=_quotes(row.b)),
                            max_tokens=60, temperature=0.0, stop=["\n"])
        except (LLMUnavailableError, BusyError) as exc:
            log.warning("compare: summaries fall back to templates (%s)", exc.user_message)
            budget = 0
            continue
        row.summary = _one_sentence(text) or row.summary


_RELATION_WORDS = {"agree": "both say the same", "differ": "both address it, differently",
                   "contradict": "they conflict", "only_a": "only the first says this",
                   "only_b": "only the second says this"}


def _quotes(cits) -> str:
    return " ".join(f"\u201c{c.quote}\u201d" for c in cits) or "(nothing on this point)"


def _one_sentence(text: str) -> str:
    text = " ".join((text or "").split()).strip()
    sentences = split_sentences(text)
    text = sentences[0].text if sentences else ""
    return text if 10 <= len(text) <= 300 else ""


def template_summary(row: CompareRow, names: tuple[str, str]) -> str:
    a, b = names
    if row.relation == "only_a":
        return f"Only {a} says this: {clip(row.a[0].quote, 110)}"
    if row.relation == "only_b":
        return f"Only {b} says this: {clip(row.b[0].quote, 110)}"
    verb = {"agree": "say the same thing", "differ": "both address this, in different terms",
            "contradict": "conflict on this point"}[row.relation]
    return f"{a} and {b} {verb}: {clip(row.a[0].quote, 70)} / {clip(row.b[0].quote, 70)}"
