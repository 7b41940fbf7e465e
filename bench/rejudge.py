"""This version's rules before the model, applied to the pairs a kept digest run recorded
(`python -m bench.digest_eval --regroup FILE --rules`).

A kept run's pairs were judged by the rules of their day. A rule added since (the judge's topic and
polarity gate, the number check, reported speech) may settle some of them as no conflict without the
model; `settled` names those pairs, so the run can be scored as this version would have recorded it,
without the model. It is an estimate of a fresh run, not one: the rules can only remove a pair here (a
pair the model judged keeps the score it got then), and a pair that the old rules stopped and the new
ones would let through is not recovered."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from bench.pairs import DEVSET, SEED, idf_for


def _claim(raw: str):
    from retrieval.models import Citation, Claim

    c = Citation(**json.loads(raw))
    return Claim.from_citation(c, id=f"{c.doc}:{c.start}")


def _texts(folder: Path, docs: set[str], registry) -> dict[str, str]:
    """Each document's text as the indexer loaded it (offsets of the stored claims point into it)."""
    from retrieval.corpus.loader import load_document

    out = {}
    for doc in docs:
        path = SEED if doc == "seed.md" else folder / doc
        out[doc] = load_document(path, path.parent, registry, max_bytes=10**7).text
    return out


def settled(db_path: Path, corpus: str, root: Path = DEVSET) -> list[str]:
    """Ids of the stored pairs that this version's rules settle as no conflict before any model
    (`root / corpus`: the run's documents and their sources.yaml)."""
    from retrieval.contradictions.claims import same_paragraph
    from retrieval.contradictions.judge import Judge
    from retrieval.contradictions.ledger import Ledger
    from retrieval.corpus.sources import SourceRegistry
    from retrieval.index.embeddings import MiniLMEmbedding

    registry = SourceRegistry.load(root / corpus / "sources.yaml")
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT id, a_json, b_json FROM ledger_contradictions").fetchall()
    pairs = [(pid, _claim(a), _claim(b)) for pid, a, b in rows]
    ledger = Ledger(db_path)
    try:
        idf = idf_for(ledger.claims())
    finally:
        ledger.close()
    texts = _texts(root / corpus, {c.doc for _, a, b in pairs for c in (a, b)}, registry)
    quotes = sorted({c.text for _, a, b in pairs for c in (a, b)})
    vecs = dict(zip(quotes, MiniLMEmbedding().embed(quotes))) if quotes else {}
    judge = Judge(None, names=registry.display, aliases=registry.alias_items(), idf=idf)
    out = []
    for pid, a, b in pairs:
        adjacent = same_paragraph(texts[a.doc], a, b)
        verdict = judge.judge(a, b, similarity=float(np.dot(vecs[a.text], vecs[b.text])), use_llm=False,
                              adjacent=adjacent)
        if verdict.method == "rules":
            out.append(pid)
    return out
