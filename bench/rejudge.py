"""This version's rules before the model, applied to the pairs a kept digest run recorded
(`python -m bench.digest_eval --regroup FILE --rules`).

A kept run's pairs were judged by the rules of their day. A rule added since (the judge's topic and
polarity gate, the number check, reported speech) may settle some of them as no conflict without the
model; `settled` names those pairs, so the run can be scored as this version would have recorded it,
without the model. It is an estimate of a fresh run, not one: the rules can only remove a pair here (a
pair the model judged keeps the score it got then), and a pair that the old rules stopped and the new
ones would let through is not recovered.

`regrouped` scores a kept run again (`--regroup FILE`, with `--rules` after dropping the settled pairs):
its pairs grouped afresh by this version's grouping, against the current labels."""
from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

import numpy as np

from bench import DEVSET, SEED
from bench.pairs import idf_for


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


def regrouped(kept: Path, corpus: str = "ps752", rules: bool = False) -> dict:
    """Score a database kept by `detected` (--keep) again, its pairs grouped afresh by this version's
    grouping and scored against the current labels; no model (the pairs and their scores are the run's).
    `rules`: first drop the pairs this version's rules before the model settle as no conflict
    (`settled`)."""
    from bench.digest_eval import labels_for, score
    from retrieval.settings import Settings

    pairs, heldout = labels_for(corpus)
    min_conf = Settings(_env_file=None).digest_min_confidence
    disputes, pair_rows, dropped = regroup(kept, corpus, rules, min_conf)
    return {"corpus": corpus, "kept": str(kept), "dropped_by_rules": dropped,
            **score(disputes, pair_rows, min_conf, pairs, heldout, corpus)}


def regroup(kept: Path, corpus: str, rules: bool = False,
            min_conf: float | None = None) -> tuple[list, dict, list[str]]:
    """(disputes, pair rows by id, pairs dropped by the rules) of a kept database grouped afresh, against
    the digest bar `min_conf` (default: the settings')."""
    from retrieval.contradictions.disputes import DisputeBook
    from retrieval.contradictions.ledger import Ledger
    from retrieval.index.embeddings import MiniLMEmbedding
    from retrieval.settings import Settings

    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "kept.sqlite3"
        with sqlite3.connect(kept) as src, sqlite3.connect(db) as dst:
            src.backup(dst)
        dropped = settled(db, corpus) if rules else []
        ledger = Ledger(db)
        try:
            with ledger.lock, ledger.db:
                ledger.db.executemany("DELETE FROM ledger_contradictions WHERE id=?", [(p,) for p in dropped])
                ledger.db.execute("DELETE FROM disputes_members")
                ledger.db.execute("DELETE FROM disputes_items")
            if min_conf is None:
                min_conf = Settings(_env_file=None).digest_min_confidence
            book = DisputeBook(ledger, min_confidence=min_conf)
            book.update(MiniLMEmbedding().embed)
            return book.list("all"), {c.id: c for c in ledger.list("all")}, dropped
        finally:
            ledger.close()
