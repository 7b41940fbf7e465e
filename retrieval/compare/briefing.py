"""`compare A B [--topic T] [--since DATE]`: a briefing of what A and B say, point by point.

1. Claims of A and of B: from their passages (dated on or after `since`); with a topic, from the
   passages a hybrid search for the topic finds, kept when close to it.
2. Alignment (`align.py`): two claims share a row only when they are about the same point; each
   shared row is `contradict` (the ledger, its disputes, or the numeric check), `agree` (close
   restatements without opposite polarity) or `differ`; what is left is `only_a` / `only_b`.
3. Topics and order (`topics.py`): rows clustered by topic with labels from their quotes, ordered
   contradictions, differences, one side only, agreement; `first_page` rows fit one screen.
4. Where a side's own claims in a row are dated apart and conflict, the row says its position changed.
5. Summaries (`summary.py`): templates, or model sentences that the row's quotes support.
Every row carries verbatim citations with their documents' dates."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from retrieval.compare import align as al
from retrieval.compare.summary import summarise, template_summary  # noqa: F401  (re-exported)
from retrieval.compare.topics import assign_topics, briefing_order, first_page
from retrieval.contradictions.claims import clauses, extract_claims
from retrieval.contradictions.stance import opposed
from retrieval.contradictions.ledger import pair_id
from retrieval.contradictions.numeric import find_conflict
from retrieval.corpus.sources import SourceRegistry
from retrieval.llm import ChatModel
from retrieval.compare.models import CompareResult, CompareRow
from retrieval.models import Claim, Hit, Passage
from retrieval.text import content_words, opposite_terms, stem, words

log = logging.getLogger(__name__)
AGREE = 0.65  # claims this similar (without opposite polarity) say the same thing
TOPIC_FLOOR = 0.15
TOPIC_SPREAD = 0.3  # keep claims within this similarity of the most on-topic one
TOPIC_K = 12
MAX_CLAIMS = 400
MAX_ONLY_QUOTES = 3  # one side's claims on one topic share a row, up to this many quotes


@dataclass
class Material:
    """What a comparison reads, handed over by the service: search, the stored passages, the
    embedder, the ledger and the source registry (never the service itself)."""

    search: Callable[..., list[Hit]]
    store: Any
    embedder: Any
    ledger: Any
    registry: SourceRegistry


def compare_sources(m: Material, a: str, b: str, topic: str | None, llm: ChatModel | None,
                    since: str | None = None) -> CompareResult:
    pa, pb = _passages(m, a, topic, since), _passages(m, b, topic, since)
    claims_a, claims_b = _claims(pa, a), _claims(pb, b)
    conditions = al.condition_ids([*pa, *pb], [*claims_a, *claims_b])
    if topic:
        claims_a, claims_b = _on_topic(m, topic, claims_a, claims_b, conditions)
    ignore = _name_stems(m)
    idf = al.make_idf([p.text for s in (a, b) for p in m.store.iter_passages(where={"speaker": s})])
    rows = align(m.embedder, claims_a, claims_b, _contradicted_pairs(m), match=al.TOPIC_MATCH if topic else al.MATCH,
                 ignore=ignore, conditions=conditions, idf=idf)
    assign_topics(rows, m.embedder, idf, ignore)
    rows = briefing_order(_merge_only(rows))
    names = (m.registry.display(a), m.registry.display(b))
    _mark_changes(rows, names, _contradicted_pairs(m))
    stats = summarise(rows, names, llm, idf)
    _number(rows)
    silent = [s for s, claims in ((a, claims_a), (b, claims_b)) if not claims]
    return CompareResult(a=a, b=b, topic=topic, rows=rows, first_page=first_page(rows), since=since,
                         summaries=stats.to_dict(), silent=silent)


def _passages(m: Material, speaker: str, topic: str | None, since: str | None) -> list[Passage]:
    if topic:
        passages = [h.passage for h in m.search(topic, speakers=[speaker], k=TOPIC_K * (3 if since else 1))]
    else:
        passages = list(m.store.iter_passages(where={"speaker": speaker}))
    if since:
        passages = [p for p in passages if p.date and p.date[:10] >= since]
    return passages


def _claims(passages: Sequence[Passage], speaker: str) -> list[Claim]:
    claims = [part for c in extract_claims(passages) if c.speaker == speaker for part in clauses(c)]
    return claims[:MAX_CLAIMS]


def _on_topic(m: Material, topic: str, claims_a: list[Claim], claims_b: list[Claim],
              conditions: set[str] = frozenset()) -> tuple[list, list]:
    """Claims of either side within TOPIC_SPREAD of the most on-topic claim of both sides; a kept
    condition keeps the other conditions of its passage (the items listed under it)."""
    both = claims_a + claims_b
    if not both:
        return claims_a, claims_b
    vecs = m.embedder.embed([topic] + [c.text for c in both])
    sims = vecs[1:] @ vecs[0]
    floor = max(TOPIC_FLOOR, float(sims.max()) - TOPIC_SPREAD)
    keep = {c.id for c, s in zip(both, sims) if s >= floor}
    lead = {c.passage_id for c in both if c.id in keep and c.id in conditions}
    keep |= {c.id for c in both if c.id in conditions and c.passage_id in lead}
    return [c for c in claims_a if c.id in keep], [c for c in claims_b if c.id in keep]


def _contradicted_pairs(m: Material) -> set[str]:
    """Pair ids the ledger holds: its disputes' pairs when it groups them, else its pairs."""
    try:
        disputes = getattr(m.ledger, "disputes", None)
        if callable(disputes):
            found = {p for d in disputes("all") for p in _pairs_of(d)}
            if found:
                return found
        return {c.id for c in m.ledger.list("all")}
    except Exception as exc:  # the ledger is an optional signal here
        log.warning("compare: ledger unavailable (%s)", exc)
        return set()


def _pairs_of(dispute) -> list[str]:
    pairs = dispute.get("pairs") if isinstance(dispute, dict) else getattr(dispute, "pairs", None)
    return [p if isinstance(p, str) else getattr(p, "id", str(p)) for p in (pairs or [])]


def _name_stems(m: Material) -> set[str]:
    """Stems of the words that name a source: what a topic is never about. A word some alias writes in
    lower case is a common noun ("energy" in "Ukraine's energy ministry", "president"), not a name."""
    names = [n for s in m.registry.all() for n in (s.name, *s.aliases)]
    common = {w.lower() for n in names for w in words(n) if w.islower()}
    return {stem(w) for n in names for w in content_words(n) if w not in common}


def align(embedder, claims_a: list[Claim], claims_b: list[Claim], contradicted: set[str],
          match: float = al.MATCH, ignore: set[str] = frozenset(), conditions: set[str] = frozenset(),
          idf=None) -> list[CompareRow]:
    if not claims_a and not claims_b:
        return []
    idf = idf or al.make_idf([c.text for c in (*claims_a, *claims_b)])
    if claims_a and claims_b:
        scores, spec = al.link_scores(embedder, claims_a, claims_b, idf, ignore)
        sims = al.gated(scores, spec, claims_a, claims_b, set(conditions), idf, ignore, match)
    else:
        sims = np.zeros((len(claims_a), len(claims_b)))
    rows: list[CompareRow] = []
    linked_a, linked_b = set(), set()
    for ia, ib in al.components(sims, match):
        linked_a |= set(ia)
        linked_b |= set(ib)
        ga, gb = [claims_a[i] for i in ia], [claims_b[j] for j in ib]
        best = float(sims[np.ix_(ia, ib)].max())
        rows.append(CompareRow(_relation(ga, gb, best, contradicted), "", [c.citation() for c in ga],
                               [c.citation() for c in gb]))
    for group in _by_passage([c for i, c in enumerate(claims_a) if i not in linked_a]):
        rows.append(CompareRow("only_a", "", [c.citation() for c in group], []))
    for group in _by_passage([c for j, c in enumerate(claims_b) if j not in linked_b]):
        rows.append(CompareRow("only_b", "", [], [c.citation() for c in group]))
    return rows


def _relation(ga: list[Claim], gb: list[Claim], best: float, contradicted: set[str]) -> str:
    for x in ga:
        for y in gb:
            if pair_id(x, y) in contradicted or find_conflict(x.text, y.text):
                return "contradict"
    if best >= AGREE and not any(_at_odds(x.text, y.text) for x in ga for y in gb):
        return "agree"
    return "differ"


def _at_odds(x: str, y: str) -> bool:
    return opposed(x, y) or opposite_terms(x, y)


def _by_passage(claims: list[Claim]) -> list[list[Claim]]:
    groups: dict[str, list[Claim]] = {}
    for c in claims:
        groups.setdefault(c.passage_id or c.id, []).append(c)
    return list(groups.values())


def _merge_only(rows: list[CompareRow]) -> list[CompareRow]:
    """One side's rows on one topic become one row (up to MAX_ONLY_QUOTES quotes each)."""
    out: list[CompareRow] = []
    open_rows: dict[tuple[str, int], CompareRow] = {}
    for r in rows:
        side = r.a if r.relation == "only_a" else r.b
        key = (r.relation, r.topic)
        cur = open_rows.get(key) if r.relation in ("only_a", "only_b") else None
        if cur is not None and len(cur.a) + len(cur.b) + len(side) <= MAX_ONLY_QUOTES:
            (cur.a if r.relation == "only_a" else cur.b).extend(side)
            continue
        out.append(r)
        if r.relation in ("only_a", "only_b"):
            open_rows[key] = r
    return out


def _mark_changes(rows: Sequence[CompareRow], names: tuple[str, str], contradicted: set[str]) -> None:
    """A side whose claims in one row are dated apart and conflict (ledger pair or opposite polarity)."""
    for row in rows:
        for name, cits in zip(names, (row.a, row.b)):
            dated = sorted((c for c in cits if c.date), key=lambda c: c.date)
            for i, x in enumerate(dated):
                later = [y for y in dated[i + 1:] if y.date[:10] > x.date[:10]
                         and (_at_odds(x.quote, y.quote) or _pair(x, y) in contradicted)]
                if later:
                    row.change = f"{name}'s position changed between {x.date[:10]} and {later[0].date[:10]}."
                    break
            if row.change:
                break


def _pair(x, y) -> str:
    return pair_id(Claim.from_citation(x), Claim.from_citation(y))


def _number(rows: Sequence[CompareRow]) -> None:
    n = 0
    for row in rows:
        for cit in (*row.a, *row.b):
            n += 1
            cit.n = n
