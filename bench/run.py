"""`make bench`: measures indexing, retrieval, the bot under a burst of 50 /ask (bench/load.py: event-loop
lag, acknowledgement latency), the local LLM, answer quality, contradiction detection and compare
(alignment on the devset, rows on the first page, model summaries rejected), the number and date
checks without a model (bench/numbers.py), who speaks each labelled sentence (bench/speakers.py) and disputes
(bench/digest_eval.py: pairs per dispute, digest precision and grouping on a held-out dev corpus;
bench/reach.py: the stage where each labelled pair of that run stopped; bench/confidence.py: the digest
confidence's fit).
Prints one JSON object and writes it to bench/results.json. Every number is measured in this run."""
from __future__ import annotations

import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import REPO

EVAL = REPO / "bench" / "seed-eval.json"
log = logging.getLogger("bench")


def settings_for(tmp: Path, **kw):
    from retrieval.settings import Settings

    values = dict(data_dir=tmp / "data", corpus_dir=tmp / "corpus", llm="none", _env_file=None,
                  sources_file=REPO / "corpus" / "sources.yaml")
    values.update(kw)
    return Settings(**values)


def make_corpus(dest: Path, copies: int) -> None:
    dest.mkdir(parents=True)
    shutil.copy(REPO / "corpus" / "sources.yaml", dest)
    seed = (REPO / "corpus" / "trump-putin-call-2025-03-18.md").read_text(encoding="utf-8")
    for i in range(copies):
        (dest / f"seed-{i:03d}.md").write_text(seed.replace("Slovyansk", f"Slovyansk-{i}"), encoding="utf-8")


def bench_index(tmp: Path, copies: int = 6) -> dict:
    from retrieval.service import Analyst

    make_corpus(tmp / "corpus", copies)
    svc = Analyst(settings_for(tmp))
    spent = _time_embedding(svc.embedder)
    t = time.perf_counter()
    report = svc.index()
    pipeline_s = time.perf_counter() - t
    embed_s, embedded = spent["s"], spent["texts"]
    passages = svc.store.all_passages()
    texts = [svc.store.embed_text(p, svc.registry.display(p.speaker)) for p in passages]
    t = time.perf_counter()
    svc.embedder.embed(texts)
    raw_s = time.perf_counter() - t
    t = time.perf_counter()
    again = svc.index()
    reindex_s = time.perf_counter() - t
    assert again.unchanged == copies
    raw, pipe = len(texts) / raw_s, report.passages / pipeline_s
    return {"passages": report.passages, "documents": report.documents,
            "raw_embed_passages_per_s": round(raw, 1), "pipeline_passages_per_s": round(pipe, 1),
            "ratio": round(pipe / raw, 3), "reindex_unchanged_s": round(reindex_s, 3),
            "index_s": round(pipeline_s, 2), "embed_s_in_run": round(embed_s, 2), "texts_embedded_in_run": embedded,
            "index_over_embed": round(pipeline_s / embed_s, 3),
            "note": "pipeline = load+attribute+split+embed+upsert+claims/deterministic contradiction checks "
                    "(ANALYST_LLM=none); index_over_embed = index time / time spent embedding passages and "
                    "claims in the same run (target <= 1.25)"}


def _time_embedding(embedder) -> dict:
    """Accumulate the time `embedder.embed` takes (and the texts it embeds) from now on."""
    spent = {"s": 0.0, "texts": 0}
    real = embedder.embed

    def timed(texts, *args, **kwargs):
        t = time.perf_counter()
        try:
            return real(texts, *args, **kwargs)
        finally:
            spent["s"] += time.perf_counter() - t
            spent["texts"] += len(texts)

    embedder.embed = timed
    return spent


def synthetic_store(tmp: Path, n: int):
    """n passages with random unit vectors and texts drawn from the seed's vocabulary, 4 speakers."""
    from retrieval.models import Passage
    from retrieval.service import Analyst

    svc = Analyst(settings_for(tmp / f"q{n}", collection=f"bench{n}"))
    words = (REPO / "corpus" / "trump-putin-call-2025-03-18.md").read_text(encoding="utf-8").split()
    rng = np.random.default_rng(n)
    speakers = ["kremlin", "whitehouse", "zelenskyy", "news"]
    batch = 5000
    for b in range(0, n, batch):
        ps = []
        for i in range(b, min(n, b + batch)):
            text = " ".join(rng.choice(words, 25))
            ps.append(Passage(id=f"s{i}", doc=f"synthetic/{i // 50}.md", source="news",
                              speaker=speakers[i % 4], title="synthetic", start=0, end=len(text), text=text))
        vecs = rng.standard_normal((len(ps), 384)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        svc.store.upsert(ps, vecs)
    return svc


def bench_query(tmp: Path) -> dict:
    out = {}
    questions = [q["q"] for q in json.loads(EVAL.read_text())["questions"]]
    for n, label in ((10_000, "10k"), (100_000, "100k")):
        svc = synthetic_store(tmp, n)
        svc.search("warm up", speakers=["kremlin"])  # builds the keyword index once
        times = []
        for i in range(60):
            t = time.perf_counter()
            svc.search(questions[i % len(questions)], speakers=["kremlin"], k=5)
            times.append((time.perf_counter() - t) * 1000)
        out[f"p50_ms_{label}"] = round(statistics.median(times), 2)
        out[f"p95_ms_{label}"] = round(float(np.percentile(times, 95)), 2)
        if n >= 100_000:  # what a bot process serving this store holds (target: under 600 MB)
            from bench.speed import search_memory

            svc.close()
            out[f"bot_without_model_{label}"] = search_memory(svc.settings.data_dir.parent, f"bench{n}")
    from bench.speed import filtered_recall

    out["filtered_recall"] = filtered_recall(tmp / "recall")
    out["note"] = "hybrid (query embedding + Chroma dense + BM25 + RRF) filtered to 1 of 4 speakers; synthetic vectors"
    return out


def bench_llm_and_quality(tmp: Path, base_url: str) -> tuple[dict, dict]:
    from retrieval.service import Analyst

    svc = Analyst(settings_for(tmp / "llm", corpus_dir=REPO / "corpus", llm="remote", llm_base_url=base_url))
    svc.index(detect=False)
    spec = json.loads(EVAL.read_text())
    first, rates, totals = [], [], []
    answered = cited = 0
    for item in spec["questions"]:
        stamps: list[float] = []
        t = time.perf_counter()
        ans = svc.ask(item["q"], on_token=lambda tok: stamps.append(time.perf_counter()))
        totals.append(time.perf_counter() - t)
        if len(stamps) > 1:
            first.append(stamps[0] - t)
            rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
        words = [w.lower() for w in item["any"]]
        ok = ans.grounded and any(w in ans.answer.lower() for w in words)
        answered += ok
        cited += ok and any(w in c.quote.lower() for c in ans.citations for w in words)
    refused = sum(not svc.ask(q).grounded for q in spec["unanswerable"])
    llm = {"first_token_s": round(statistics.median(first), 2) if first else None,
           "tokens_per_s": round(statistics.median(rates), 1) if rates else None,
           "answer_s_p50": round(statistics.median(totals), 2)}
    quality = {"questions": len(spec["questions"]), "answered": answered, "cited": cited,
               "unanswerable": len(spec["unanswerable"]), "unanswerable_refused": refused}
    return llm, quality


def server_log_figures(log_text: str) -> dict:
    """Where the model's time went, from llama.cpp's own log: prompt tokens evaluated per request and
    how many requests reused a cached prefix."""
    import re

    prompts = [(float(ms), int(n)) for ms, n in re.findall(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens", log_text)]
    evaluated = [n for _, n in prompts]
    hits = [int(n) for n in re.findall(r"(\d+) prefix-match hit", log_text)]
    gen = [(float(ms), int(n)) for ms, n in re.findall(r"\n[^\n]*?\beval time =\s*([\d.]+) ms /\s*(\d+) runs", log_text)]

    def rate(timings: list[tuple[float, int]]) -> float | None:
        ms = sum(t for t, _ in timings)
        return round(sum(n for _, n in timings) / (ms / 1000), 1) if ms else None

    return {"requests": len(evaluated), "prompt_tokens_evaluated_p50": statistics.median(evaluated) if evaluated else None,
            "prompt_tokens_evaluated_total": sum(evaluated), "prefix_cache_hits": len(hits),
            "prefix_tokens_reused_p50": statistics.median(hits) if hits else None,
            # the machine's ceiling for this model: first token >= tokens evaluated / prompt rate
            "prompt_tokens_per_s": rate([t for t in prompts if t[1] >= 50]),  # short prompts: mostly overhead
            "generated_tokens_per_s": rate(gen)}


HELD_OUT_DIGEST = "hainan"  # a corpus whose documents are all held out (bench/devset/pairs.json)
SECTIONS = ("speed", "index", "query", "load", "numbers", "speakers", "llm", "traps", "contradictions", "compare", "disputes")


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.run [--only speed,index,...]`: every section by default (what `make bench`
    runs); `--only` measures the named ones, e.g. the fast ones before and after a change."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated, of: {', '.join(SECTIONS)}")
    only = set(parser.parse_args(argv).only.split(","))
    if only - set(SECTIONS):
        parser.error(f"unknown section(s): {', '.join(sorted(only - set(SECTIONS)))}")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from bench import speed

    results: dict = {"machine_start": speed.machine()}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, fn in (("speed", lambda: speed.run(tmp / "speed")), ("index", lambda: bench_index(tmp / "index")),
                         ("query", lambda: bench_query(tmp / "query")), ("load", lambda: _load(tmp / "load")),
                         ("numbers", _numbers), ("speakers", _speakers)):
            if name in only:
                results[name] = fn()
                print(f"{name} done", file=sys.stderr)
        if only & set(SECTIONS[SECTIONS.index("llm"):]):
            _model_sections(results, tmp, only)
    results["machine_end"] = speed.machine()
    text = json.dumps(results, indent=2)
    (REPO / "bench" / ("results.json" if only == set(SECTIONS) else "results-partial.json")).write_text(text + "\n")
    print(text)
    return 0


def _numbers() -> dict:
    from bench.numbers import evaluate

    return evaluate()


def _speakers() -> dict:
    from bench.speakers import evaluate

    return evaluate()


def _load(tmp: Path) -> dict:
    from bench.load import bench_load

    tmp.mkdir(parents=True)
    return bench_load(tmp)


def _model_sections(results: dict, tmp: Path, only: set[str]) -> None:
    """The sections that need the local model, against one llama.cpp server started for them."""
    from retrieval.llm.local import LocalLLMServer

    server = LocalLLMServer(settings_for(REPO, data_dir=REPO / ".analyst")).start()
    url = server.base_url
    try:
        if "llm" in only:
            results["llm"], results["quality"] = bench_llm_and_quality(tmp / "llm", url)
        if "traps" in only:
            from bench.traps import bench_traps

            results["traps"] = bench_traps(tmp / "traps", llm="remote", llm_base_url=url)
        if "contradictions" in only:
            from bench.contradictions import bench_contradictions

            results["contradictions"] = bench_contradictions(url)
        if "compare" in only:
            from bench.compare import bench_compare

            results["compare"] = bench_compare(url)
        if "disputes" in only:
            from bench.digest_eval import evaluate as evaluate_disputes
            from bench.pairs import evaluate as evaluate_pairs

            from bench.confidence import ITEMS, fit

            from bench.reach import reach

            # disputes: pairs per dispute, digest precision and grouping on a held-out corpus, and the stage
            # where each of its labelled pairs stopped; pair-level P/R per split; the digest confidence's fit
            # (evidence classes) on the calibration runs
            kept = tmp / "disputes-run.sqlite"
            results["disputes"] = evaluate_disputes(url, corpus=HELD_OUT_DIGEST, keep=kept)
            results["disputes"]["reach"] = reach(kept, HELD_OUT_DIGEST)["stages"]
            results["disputes"]["pairs"] = evaluate_pairs(url)
            results["disputes"]["confidence"] = fit(json.loads(ITEMS.read_text(encoding="utf-8"))["runs"])
        results["llm_server_log"] = server_log_figures(server.log_tail(100_000))
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
