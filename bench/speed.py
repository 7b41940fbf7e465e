"""Speed figures that do not need the model (`python -m bench.speed [--million]`, also part of `make bench`):

- answer prompt size per seed question: the fixed head (reused from the server's KV cache) and the part
  evaluated per question, with whole passages (before) and with passages narrowed to their best
  sentences (after); evaluated prompt tokens are what the time to the first token is made of;
- the persisted keyword index (SQLite FTS5): per-query cost filtered to one of 4 speakers at 10k, 100k
  (and 1M with --million) synthetic passages;
- the machine's load and this process's peak RSS, so figures from a shared machine can be read."""
from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO / "bench" / "seed-eval.json"
SPEAKERS = ["kremlin", "whitehouse", "zelenskyy", "news"]


def questions() -> list[str]:
    return [q["q"] for q in json.loads(EVAL.read_text())["questions"]]


def prompt_sizes(tmp: Path) -> dict:
    from bench.run import settings_for
    from retrieval.answers.answer import answer_messages
    from retrieval.answers.context import focus_passages
    from retrieval.service import Analyst

    svc = Analyst(settings_for(tmp, corpus_dir=REPO / "corpus"))
    svc.index(detect=False)
    whole, focused, head = [], [], None
    for q in questions():
        hits = svc.searcher.search(q, k=svc.settings.top_k)
        before = answer_messages(q, hits, svc.registry.display)
        after = answer_messages(q, focus_passages(q, hits, svc.searcher.idf, svc.settings.answer_passage_chars,
                                                       svc.settings.answer_context_chars),
                                svc.registry.display)
        head = head or sum(len(m["content"]) for m in before[:-1])
        whole.append(len(before[-1]["content"]))
        focused.append(len(after[-1]["content"]))
    svc.close()
    return {"head_chars": head, "per_question_chars_before_p50": statistics.median(whole),
            "per_question_chars_after_p50": statistics.median(focused),
            "per_question_tokens_after_est": round(statistics.median(focused) / 4),
            "note": "the head (system + few-shot) is the same bytes for every question, so llama.cpp keeps it "
                    "in its KV cache; only the per-question part is evaluated (~4 chars/token)"}


def keyword_scaling(tmp: Path, sizes: list[int]) -> dict:
    from retrieval.index.keywords import KeywordIndex
    from retrieval.models import Passage

    words = (REPO / "corpus" / "trump-putin-call-2025-03-18.md").read_text(encoding="utf-8").split()
    qs = questions()
    out: dict = {}
    index = KeywordIndex(tmp / "keywords.sqlite3")
    rng = np.random.default_rng(0)
    done = 0
    for n in sorted(sizes):
        t = time.perf_counter()
        for b in range(done, n, 5000):
            index.upsert([Passage(id=f"s{i}", doc=f"synthetic/{i // 50}.md", source="news",
                                  speaker=SPEAKERS[i % 4], title="synthetic", start=0, end=0,
                                  text=" ".join(rng.choice(words, 25))) for i in range(b, min(n, b + 5000))])
        add_s, added, done = time.perf_counter() - t, n - done, n
        times = []
        for i in range(60):
            t = time.perf_counter()
            index.search(qs[i % len(qs)], 40, speakers=["kremlin"])
            times.append((time.perf_counter() - t) * 1000)
        label = f"{n // 1000}k"
        out[f"p50_ms_{label}"] = round(statistics.median(times), 2)
        out[f"p95_ms_{label}"] = round(float(np.percentile(times, 95)), 2)
        out[f"added_per_s_{label}"] = round(added / add_s, 1) if add_s else None
    index.close()
    out["note"] = "keyword side only (FTS5 BM25), top 40, filtered to 1 of 4 speakers; 25-word synthetic passages"
    return out


def machine() -> dict:
    return {"loadavg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def run(tmp: Path, million: bool = False) -> dict:
    out = {"load_start": machine()}
    out["answer_prompt"] = prompt_sizes(tmp / "prompt")
    out["keyword_index"] = keyword_scaling(tmp / "kw", [10_000, 100_000] + ([1_000_000] if million else []))
    out["load_end"] = machine()
    return out


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        print(json.dumps(run(Path(d), "--million" in sys.argv), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
