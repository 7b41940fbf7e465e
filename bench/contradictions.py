"""The `contradictions` bench object.

- candidates_s_1k / candidates_s_10k: candidate generation (one k-NN query per claim against the real
  Chroma `claims` collection, other speakers only, similarity floor) over 1,000 and 10,000 synthetic
  claims embedded with the real MiniLM model; embedding and storing are not timed. `growth` is their
  ratio: about 10 means linear in the corpus (all pairs would give about 100).
- judge_pairs_per_s: candidate pairs judged per second by the local model (each pair may take two
  calls: both orders), on the seed's pairs that pass the deterministic gates, asked as an index run
  asks them (`retrieval/contradictions/judging.py`).
- seed_found / seed_expected / flagged_total: index the seed with the local model and match the
  ledger against bench/seed-eval.json (distinctive phrase in each quote, either order)."""
from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
from pathlib import Path

from bench import REPO

EVAL = REPO / "bench" / "seed-eval.json"

SPEAKERS = ["kremlin", "whitehouse", "zelenskyy", "news", "witkoff"]
ACTORS = ["Russia", "Ukraine", "The United States", "The European Union", "Turkey", "Saudi Arabia", "NATO",
          "The Kremlin", "Kyiv", "Washington", "Moscow", "The UN", "Poland", "Germany", "France"]
ACTIONS = ["agreed to", "rejected", "called for", "announced", "postponed", "demanded", "proposed",
           "welcomed", "halted", "resumed", "ruled out", "backed", "opposed", "delayed", "signed"]
OBJECTS = ["a 30-day pause in strikes on energy infrastructure", "talks on shipping in the Black Sea",
           "a prisoner exchange", "new sanctions on oil exports", "more military aid", "a ceasefire along the front",
           "a grain corridor deal", "the return of deported children", "an inspection of the nuclear plant",
           "security guarantees", "elections next year", "a summit in Geneva", "a reduction of troops",
           "the reopening of the airport", "an investigation into the strike"]
TAILS = ["on {day}", "after a phone call lasting {n} minutes", "involving {n} detainees", "within {n} days",
         "according to officials", "despite objections from allies", "in {city}", "by the end of the month"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
CITIES = ["Jeddah", "Istanbul", "Geneva", "Riyadh", "Warsaw", "Odesa", "Kharkiv"]


def synthetic_claims(n: int, seed: int = 7):
    from retrieval.models import Claim

    rng = random.Random(seed)
    out = []
    for i in range(n):
        tail = rng.choice(TAILS).format(day=rng.choice(DAYS), n=rng.randint(2, 300), city=rng.choice(CITIES))
        text = f"{rng.choice(ACTORS)} {rng.choice(ACTIONS)} {rng.choice(OBJECTS)} {tail}."
        doc = f"synthetic-{i // 40:04d}.md"
        out.append(Claim(id=f"c{i:06d}", passage_id=f"p{i // 4:06d}", doc=doc, source="news",
                         speaker=rng.choice(SPEAKERS), title="Synthetic", start=0, end=len(text), text=text))
    return out


def _engine(tmp: Path, llm_getter=lambda: None):

    from retrieval.contradictions.engine import ContradictionEngine
    from retrieval.index.embeddings import MiniLMEmbedding
    from retrieval.contradictions.ledger import Ledger
    from retrieval.corpus.sources import SourceRegistry
    from retrieval.index.store import PassageStore
    from retrieval.settings import Settings

    settings = Settings(_env_file=None, data_dir=tmp / "data", corpus_dir=REPO / "corpus", llm="none")
    settings.ensure_dirs()
    embedder = MiniLMEmbedding()
    store = PassageStore(settings, embedder)
    registry = SourceRegistry.load(settings.sources_path)
    return ContradictionEngine(settings, embedder, store, Ledger(settings.db_path), registry, llm_getter)


def time_candidates(n: int, embeddings=None) -> tuple[float, int]:
    claims = synthetic_claims(n)
    with tempfile.TemporaryDirectory() as d:
        engine = _engine(Path(d))
        if embeddings is None:
            embeddings = engine.embedder.embed([c.text for c in claims])
        engine.store_claims(sorted({c.doc for c in claims}), claims, embeddings[:n])
        t0 = time.perf_counter()
        pairs = engine.candidates(claims, embeddings[:n])
        return time.perf_counter() - t0, len(pairs)


def seed_detection(llm_url: str | None) -> dict:
    from retrieval.service import Analyst
    from retrieval.settings import Settings

    expected = json.loads(EVAL.read_text(encoding="utf-8"))["contradictions"]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        shutil.copytree(REPO / "corpus", tmp / "corpus")
        mode = dict(llm="remote", llm_base_url=llm_url) if llm_url else dict(llm="none")
        svc = Analyst(Settings(_env_file=None, data_dir=tmp / "data", corpus_dir=tmp / "corpus", **mode))
        try:
            t0 = time.perf_counter()
            svc.index()
            seconds = time.perf_counter() - t0
            found = svc.contradictions("all")
        finally:
            svc.close()
    hits = sum(any(matches(e, c) for c in found) for e in expected)
    return {"seed_found": hits, "seed_expected": len(expected), "flagged_total": len(found),
            "seed_index_s": round(seconds, 1)}


def matches(expected: dict, c) -> bool:
    a, b = expected["a"].lower(), expected["b"].lower()
    qa, qb = c.a.quote.lower(), c.b.quote.lower()
    return (a in qa and b in qb) or (a in qb and b in qa)


def judge_speed(llm_url: str, max_pairs: int = 8) -> float | None:
    """Seed candidate pairs that reach the model, judged per second (fresh, uncached)."""
    from retrieval.corpus.attribution import Attributor
    from retrieval.contradictions.claims import extract_claims
    from retrieval.contradictions.engine import merge
    from retrieval.contradictions.judge import Judge
    from retrieval.contradictions.judging import JudgingPass
    from retrieval.llm.client import LLMClient
    from retrieval.corpus.loader import load_document
    from retrieval.settings import Settings
    from retrieval.index.splitter import PassageSplitter

    with tempfile.TemporaryDirectory() as d:
        engine = _engine(Path(d))
        reg = engine.registry
        doc = load_document(REPO / "corpus" / "trump-putin-call-2025-03-18.md", REPO / "corpus", reg,
                            max_bytes=10**7)
        claims = extract_claims(PassageSplitter(Attributor(reg), 500, 0).split(doc))
        emb = engine.store_claims([doc.doc], claims)
        cands = merge(engine.candidates(claims, emb), engine.context_candidates([doc], claims, emb))
        settings = Settings(_env_file=None, data_dir=Path(d), llm="remote", llm_base_url=llm_url)
        llm = LLMClient(settings, llm_url, settings.llm_model)
        judge = Judge(llm, names=reg.display, aliases=reg.alias_items(), idf=engine.idf())
        pairs = [c for c in cands if judge.gate(c.a, c.b, c.adjacent) is None][:max_pairs]
        if not pairs:
            return None
        t0 = time.perf_counter()  # as an index run asks: runs of pairs sharing a claim (judging.py)
        judged = list(JudgingPass(judge, engine.ledger, "bench").verdicts(pairs, budget=len(pairs)))
        return round(len(judged) / (time.perf_counter() - t0), 3)


def bench_contradictions(llm_url: str | None = None) -> dict:
    from retrieval.index.embeddings import MiniLMEmbedding

    claims = synthetic_claims(10_000)
    embeddings = MiniLMEmbedding().embed([c.text for c in claims])
    t1k, p1k = time_candidates(1_000, embeddings)
    t10k, p10k = time_candidates(10_000, embeddings)
    result = {"candidates_s_1k": round(t1k, 3), "candidates_s_10k": round(t10k, 3),
              "growth": round(t10k / t1k, 2) if t1k else None, "candidate_pairs_1k": p1k,
              "candidate_pairs_10k": p10k,
              "judge_pairs_per_s": judge_speed(llm_url) if llm_url else None}
    result.update(seed_detection(llm_url))
    return result


if __name__ == "__main__":
    import sys

    print(json.dumps(bench_contradictions(sys.argv[1] if len(sys.argv) > 1 else None), indent=2))
