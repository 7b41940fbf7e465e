"""Speed figures that do not need the model (`python -m bench.speed [--million]`, also part of `make bench`):

- answer prompt size per seed question: the fixed head (reused from the server's KV cache) and the part
  evaluated per question, with whole passages (before) and with passages narrowed to their best
  sentences (after); evaluated prompt tokens are what the time to the first token is made of;
- the persisted keyword index (SQLite FTS5): per-query cost filtered to one of 4 speakers at 10k, 100k
  (and 1M with --million) synthetic passages;
- the bot process's memory and the index's size on disk: a fresh process that loads what `analyst bot`
  loads (the Discord front's modules, the service, the embedder), indexes the seed corpus with detection
  and answers every seed question (ANALYST_LLM=none, so extractive answers), reporting its peak RSS and
  the data directory's size per indexed character (`python -m bench.speed --bot-process DIR` runs it alone);
- the machine's load and this process's peak RSS, so figures from a shared machine can be read."""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import REPO

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


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _proc_mb(field: str) -> float | None:
    """VmRSS (now) or VmHWM (peak) of this process from /proc: unlike ru_maxrss, the peak is not inherited
    from the parent across fork and exec, so a child's figure is its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    return _proc_mb("VmHWM") or _rss_mb()


def _sizes(root: Path) -> dict[str, int]:
    """Bytes on disk under each top-level entry of `root`."""
    out: dict[str, int] = {}
    for entry in sorted(root.iterdir()):
        files = [entry] if entry.is_file() else [f for f in entry.rglob("*") if f.is_file()]
        out[entry.name] = sum(f.stat().st_size for f in files)
    return out


def bot_process(tmp: Path, copies: int = 3) -> dict:
    """Run in a fresh process (see `bot_memory`): what `analyst bot` holds after indexing and answering, and
    the index's size on disk: per indexed character, and per character added (`copies` more versions of
    the seed document indexed after, so the fixed size of empty databases does not count)."""
    import shutil

    import bot.discord.app  # noqa: F401  (the Discord front's modules, as `analyst bot` loads them)
    from bench.run import settings_for
    from retrieval.service import Analyst

    started = _proc_mb("VmRSS")
    corpus = tmp / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    settings = settings_for(tmp, corpus_dir=corpus)
    svc = Analyst(settings)
    t = time.perf_counter()
    report = svc.index()
    index_s = time.perf_counter() - t
    after_index = _peak_mb()
    modes = [svc.ask(q).mode for q in questions()]
    chars = sum(len(p.text) for p in svc.store.all_passages())
    peak, end = _peak_mb(), _proc_mb("VmRSS")
    sizes = _sizes(settings.data_dir)
    seed = (REPO / "corpus" / "trump-putin-call-2025-03-18.md").read_text(encoding="utf-8")
    for i in range(copies):
        (corpus / f"copy-{i}.md").write_text(seed.replace("Slovyansk", f"Slovyansk-{i}"), encoding="utf-8")
    svc.index()
    more = sum(len(p.text) for p in svc.store.all_passages()) - chars
    svc.close()
    added = sum(_sizes(settings.data_dir).values()) - sum(sizes.values())
    total = sum(sizes.values())
    return {"peak_rss_mb": peak, "rss_mb_at_start": started, "peak_rss_mb_after_index": after_index,
            "rss_mb_after_answers": end, "passages": report.passages, "index_s": round(index_s, 2),
            "answers": len(modes), "answer_modes": sorted(set(modes)), "indexed_chars": chars,
            "data_dir_bytes": total, "data_dir_bytes_per_indexed_char": round(total / chars, 2) if chars else None,
            "data_dir_bytes_by_entry": sizes,
            "added_chars": more, "added_bytes_per_added_char": round(added / more, 2) if more else None,
            "note": "a fresh process loading the Discord front's modules and the service (no Discord connection), "
                    "indexing the seed corpus with detection and answering the seed questions with ANALYST_LLM=none; "
                    "indexed_chars = the stored passages' text; with one seed document the fixed size of Chroma's "
                    "and SQLite's files dominates bytes per indexed char, so the bytes per char added by "
                    f"{copies} more copies of it are the marginal overhead (WAL files included as found)"}


def _in_child(*args: str) -> dict:
    """`python -m bench.speed ARGS` in a child process, so its peak RSS is its own, not this
    benchmark's: the JSON object it prints last, or its error output."""
    proc = subprocess.run([sys.executable, "-m", "bench.speed", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bot_memory(tmp: Path) -> dict:
    """`bot_process` in a child process."""
    tmp.mkdir(parents=True, exist_ok=True)
    return _in_child("--bot-process", str(tmp))


def searching_process(data_dir: Path, collection: str, n: int = 30) -> dict:
    """Run in a fresh process (see `search_memory`): the Discord front's modules and the service opened
    on an existing store, answering `n` filtered searches; its peak RSS is what `analyst bot` without
    a local model holds to serve that store."""
    import bot.discord.app  # noqa: F401  (the Discord front's modules, as `analyst bot` loads them)
    from bench.run import settings_for
    from retrieval.service import Analyst

    svc = Analyst(settings_for(data_dir, collection=collection))
    passages = svc.store.count()
    qs = questions()
    for i in range(n):
        svc.search(qs[i % len(qs)], speakers=["kremlin"], k=5)
    return {"passages": passages, "searches": n, "peak_rss_mb": _peak_mb(), "rss_mb_end": _proc_mb("VmRSS")}


def search_memory(data_dir: Path, collection: str) -> dict:
    """`searching_process` in a child process."""
    return _in_child("--search-process", str(data_dir), collection)


def filtered_recall(tmp: Path, n: int = 3000, queries: int = 40) -> dict:
    """Recall@20 of a filtered dense query (one speaker of four) against exact search, with real MiniLM
    vectors: `n` passages made of two sentences of the devset and seed documents each, questions drawn
    from the same sentences. `overfetch` is Analyst's path (nearest overall, filtered here); `chroma` is
    Chroma's own filtered query. Synthetic random vectors (the speed sections) are HNSW's worst case and
    say nothing about recall."""
    import random

    import numpy as np

    from bench.run import settings_for
    from retrieval.index.search import where_clause
    from retrieval.models import Passage
    from retrieval.service import Analyst
    from retrieval.text import split_sentences

    sents = []
    for f in sorted((REPO / "bench" / "devset").rglob("*.md")) + [REPO / "corpus" / "trump-putin-call-2025-03-18.md"]:
        text = f.read_text(encoding="utf-8")
        sents += [x.text for x in split_sentences(text, 0, len(text)) if len(x.text) > 40]
    rng = random.Random(5)
    svc = Analyst(settings_for(tmp, collection="recall"))
    texts = [" ".join(rng.sample(sents, 2)) for _ in range(n)]
    speakers = ["kremlin", "whitehouse", "zelenskyy", "news"]
    svc.store.upsert([Passage(id=f"r{i}", doc=f"r/{i // 50}.md", source="news", speaker=speakers[i % 4], title="r",
                              start=0, end=len(x), text=x) for i, x in enumerate(texts)], svc.embedder.embed(texts))
    where = where_clause((), ["kremlin"], ())
    share = svc.searcher.keywords.share((), ["kremlin"], ())
    got = svc.store.collection.get(where=where, include=["embeddings"])
    vecs, ids = np.asarray(got["embeddings"], dtype=np.float32), np.array(got["ids"])
    over = chroma = 0.0
    for q in rng.sample(sents, queries):
        v = svc.embedder.embed([q])[0]
        exact = set(ids[np.argsort(-(vecs @ v))[:20]])
        over += len({p.id for p, _ in svc.store.query(v, 20, where, share)} & exact) / 20
        chroma += len({p.id for p, _ in svc.store.query(v, 20, where, None)} & exact) / 20
    svc.close()
    return {"passages": n, "queries": queries, "recall_at_20_overfetch": round(over / queries, 3),
            "recall_at_20_chroma_filtered": round(chroma / queries, 3)}


def machine() -> dict:
    return {"loadavg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
            "peak_rss_mb": _rss_mb()}


def run(tmp: Path, million: bool = False) -> dict:
    out = {"load_start": machine()}
    out["answer_prompt"] = prompt_sizes(tmp / "prompt")
    out["keyword_index"] = keyword_scaling(tmp / "kw", [10_000, 100_000] + ([1_000_000] if million else []))
    out["bot_memory"] = bot_memory(tmp / "bot")
    out["load_end"] = machine()
    return out


def main() -> int:
    if "--search-process" in sys.argv:
        i = sys.argv.index("--search-process")
        print(json.dumps(searching_process(Path(sys.argv[i + 1]), sys.argv[i + 2])))
        return 0
    if "--bot-process" in sys.argv:
        print(json.dumps(bot_process(Path(sys.argv[sys.argv.index("--bot-process") + 1]))))
        return 0
    with tempfile.TemporaryDirectory() as d:
        print(json.dumps(run(Path(d), "--million" in sys.argv), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
