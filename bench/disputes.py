"""Pair-level contradiction quality on the labelled development set (`bench/devset/`).

`pairs.json` holds labelled claim pairs (contradiction / compatible / unrelated) over the documents of
`bench/devset/*/` and the seed corpus, each in split `calibration` or `evaluation`. The calibration
(`bench/calibrate.py`) is fitted on the calibration split only; this module reports on the evaluation
split:

- ROC AUC of the old judge (the judge of `main` before calibration: gates, then the rescaled model
  probability; its score is 0 for a pair it does not call a contradiction), of the model's
  P(contradiction) alone (mean of both orders, no gates), of the calibrated score without the model
  and of the calibrated score with it;
- precision and recall at the fitted threshold (and of the old judge at its own decision);
- judge pairs/s (a fresh pair: features and two model calls) and, given a model, the time to index the
  seed with detection.

Model answers are cached in `bench/cache/llm-probs.json` (keyed by the rendered prompt), so fitting and
re-running features does not call the model again. Run: `python -m bench.disputes [LLM_BASE_URL]`
(without a URL, only cached answers are used; pairs without one are reported as missing)."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEVSET = REPO / "bench" / "devset"
CACHE = REPO / "bench" / "cache" / "llm-probs.json"
log = logging.getLogger("bench.disputes")


@dataclass
class Item:
    id: str
    a: object  # Claim
    b: object  # Claim
    label: str
    kind: str
    split: str
    dispute: str | None
    registry: object
    adjacent: bool = False

    @property
    def y(self) -> int:
        return int(self.label == "contradiction")


def devset_dir() -> Path:
    for d in (DEVSET, Path("/work/main/bench/devset")):
        if (d / "pairs.json").is_file():
            return d
    raise FileNotFoundError("bench/devset/pairs.json not found")


# ---- loading the labelled pairs as claims ---------------------------------------------------------
class _Docs:
    """Documents of the dev set (each folder with its sources.yaml) and of the seed corpus, loaded with
    the real loader, attributor and splitter: a quote's speaker is the attribution of its passage."""

    def __init__(self, root: Path, attributor_cls=None) -> None:
        from retrieval.corpus.attribution import Attributor
        from retrieval.corpus.sources import SourceRegistry

        self.root = root
        self.attributor_cls = attributor_cls or Attributor
        self.registries: dict[Path, object] = {}
        self.cache: dict[Path, tuple] = {}
        self.SourceRegistry = SourceRegistry

    def registry_for(self, folder: Path):
        if folder not in self.registries:
            self.registries[folder] = self.SourceRegistry.load(folder / "sources.yaml")
        return self.registries[folder]

    def resolve(self, doc: str) -> Path:
        if doc == "seed":
            return REPO / "corpus" / "trump-putin-call-2025-03-18.md"
        for base in (self.root, REPO / "corpus", REPO, self.root.parent):
            if (base / doc).is_file():
                return base / doc
        hits = list(self.root.rglob(Path(doc).name)) + list((REPO / "corpus").rglob(Path(doc).name))
        if hits:
            return hits[0]
        raise FileNotFoundError(doc)

    def load(self, doc: str):
        from retrieval.contradictions.claims import extract_claims
        from retrieval.corpus.loader import load_document
        from retrieval.index.splitter import PassageSplitter

        path = self.resolve(doc)
        if path not in self.cache:
            folder = path.parent
            reg = self.registry_for(folder)
            document = load_document(path, folder, reg, max_bytes=10**7)
            passages = PassageSplitter(self.attributor_cls(reg), 500, 0).split(document)
            self.cache[path] = (document, passages, extract_claims(passages), reg)
        return self.cache[path]

    def claim(self, doc: str, quote: str):
        from retrieval.models import Claim

        document, passages, claims, reg = self.load(doc)
        pos = document.text.find(quote)
        if pos < 0:
            norm = lambda t: t.replace("’", "'").replace("“", '"').replace("”", '"')
            pos = norm(document.text).find(norm(quote))
        if pos < 0:
            raise ValueError(f"quote not in {doc}: {quote[:60]!r}")
        end = pos + len(quote)
        speaker = next((p.speaker for p in passages if p.start <= pos < p.end), document.source)
        cid = hashlib.sha1(f"{document.doc}\x1f{pos}\x1f{end}".encode()).hexdigest()[:16]
        return Claim(id=cid, passage_id="", doc=document.doc, source=document.source, speaker=speaker,
                     title=document.title, start=pos, end=end, text=document.text[pos:end],
                     date=document.date), reg

    def all_claims(self):
        return [c for (_, _, claims, _) in self.cache.values() for c in claims]


def load_items(root: Path | None = None, attributor_cls=None) -> tuple[list[Item], _Docs]:
    root = root or devset_dir()
    raw = json.loads((root / "pairs.json").read_text(encoding="utf-8"))
    pairs = raw["pairs"] if isinstance(raw, dict) else raw
    docs = _Docs(root, attributor_cls)
    for folder in sorted(p.parent for p in root.glob("*/sources.yaml")):
        for path in sorted(folder.glob("*.md")):
            docs.load(str(path.relative_to(root)))
    items = []
    for i, p in enumerate(pairs):
        a, reg = docs.claim(p["a"]["doc"], p["a"]["quote"])
        b, _ = docs.claim(p["b"]["doc"], p["b"]["quote"])
        text = docs.load(p["a"]["doc"])[0].text
        adjacent = a.doc == b.doc and "\n" not in text[min(a.end, b.end):max(a.start, b.start)]
        items.append(Item(str(p.get("id", i)), a, b, p["label"], p.get("kind", ""), p["split"],
                          p.get("dispute"), reg, adjacent))
    return items, docs


def idf_for(claims) -> callable:
    import math
    from collections import Counter

    from retrieval.text import content_words, stem

    df: Counter[str] = Counter()
    for c in claims:
        df.update({stem(w) for w in content_words(c.text)})
    n = max(len(claims), 1)
    return lambda s: math.log((n + 1) / (df.get(s, 0) + 1))


# ---- the model, cached ---------------------------------------------------------------------------
class CachedLLM:
    """`label_probabilities` answered from the cache file, else from the model at `base_url` (if given)."""

    def __init__(self, base_url: str | None, path: Path = CACHE) -> None:
        self.path = path
        self.data: dict = json.loads(path.read_text()) if path.is_file() else {}
        self.client = None
        self.calls = 0
        self.misses = 0
        if base_url:
            from retrieval.llm.client import LLMClient
            from retrieval.settings import Settings

            settings = Settings(_env_file=None, data_dir=REPO / ".analyst", llm="remote", llm_base_url=base_url,
                                llm_timeout_s=300, llm_queue_timeout_s=300)
            self.client = LLMClient(settings, base_url, settings.llm_model)
            self.model = settings.llm_model

    @staticmethod
    def key(messages, labels) -> str:
        return hashlib.sha1(json.dumps([messages, list(labels)], sort_keys=True).encode()).hexdigest()

    def label_probabilities(self, messages, labels, timeout=None) -> dict[str, float]:
        k = self.key(messages, labels)
        if k not in self.data:
            if self.client is None:
                self.misses += 1
                raise KeyError("no cached model answer")
            self.data[k] = self.client.label_probabilities(messages, labels)
            self.calls += 1
            self.save()
        return self.data[k]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.data))


# ---- the old judge (main before calibration), for the "before" number -------------------------
def old_modules():
    """The judge, numeric checks and attribution of the commit before this work, loaded from git."""
    base = subprocess.run(["git", "-C", str(REPO), "merge-base", "HEAD", "main"], capture_output=True,
                          text=True).stdout.strip() or "main"
    base = _OLD_COMMIT or base
    mods = {}
    for name, path in (("numeric", "retrieval/contradictions/numeric.py"),
                       ("attribution", "retrieval/corpus/attribution.py"),
                       ("judge", "retrieval/contradictions/judge.py")):
        src = subprocess.run(["git", "-C", str(REPO), "show", f"{base}:{path}"], capture_output=True,
                             text=True, check=True).stdout
        src = src.replace("from retrieval.contradictions.numeric import", "from bench._old_numeric import")
        modname = f"bench._old_{name}"
        spec = importlib.util.spec_from_loader(modname, loader=None)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod
        exec(compile(src, f"{base}:{path}", "exec"), mod.__dict__)
        mods[name] = mod
    return mods


_OLD_COMMIT = "9d1a5b1"  # main when this work started (gated judge, hand-set floor/ceiling)


class _Answer:
    """Answers every model request of the old judge with one pair's cached answer (the old judge asks
    forward, and backward when forward is high, then takes the lower: with one order both are equal)."""

    def __init__(self, probs: dict | None) -> None:
        self.probs = probs

    def label_probabilities(self, messages, labels, timeout=None):
        if self.probs is None:
            raise KeyError("no cached model answer")
        return self.probs


def old_judge_scores(items: list[Item], llm, idf_by_registry, sims=None) -> list[float]:
    """The old judge's score per item (0 unless it calls the pair a contradiction): its attribution,
    gates, numeric check and floor/ceiling rescaling, fed the same cached model answer as the new judge."""
    from retrieval.contradictions.judge import Judge as NewJudge

    mods = old_modules()
    old_items, _ = load_items(attributor_cls=mods["attribution"].Attributor)
    by_id = {it.id: it for it in old_items}
    out = []
    sims = sims if sims is not None else [None] * len(items)
    for it, sim in zip(items, sims):
        old = by_id[it.id]
        reg = old.registry
        new = NewJudge(llm, names=reg.display, aliases=reg.alias_items())
        first, second = sorted((it.a, it.b), key=lambda c: (str(c.date or ""), c.doc, c.start))
        try:
            probs = llm.label_probabilities(new.messages(first, second), ["contradiction", "agreement", "unrelated"])
        except KeyError:
            probs = None
        judge = mods["judge"].Judge(_Answer(probs), names=reg.display, aliases=reg.alias_items(),
                                    idf=idf_by_registry(reg))
        try:
            v = judge.judge(old.a, old.b, similarity=sim, adjacent=old.adjacent)
        except KeyError:
            v = judge.judge(old.a, old.b, similarity=sim, adjacent=old.adjacent, use_llm=False)
        out.append(v.score if v.label == "contradiction" else 0.0)
    return out


# ---- features and metrics ------------------------------------------------------------------------
def compute(items: list[Item], docs: _Docs, llm, embedder=None) -> tuple[np.ndarray, np.ndarray, list]:
    """Feature rows (NAMES order) with and without the model, and the model's (fwd, bwd) per item."""
    from retrieval.contradictions.features import NAMES
    from retrieval.contradictions.judge import Judge

    if embedder is None:
        from retrieval.index.embeddings import MiniLMEmbedding
        embedder = MiniLMEmbedding()
    texts = sorted({c.text for it in items for c in (it.a, it.b)})
    vecs = dict(zip(texts, embedder.embed(texts)))
    idf = idf_for(docs.all_claims())
    judges: dict[int, Judge] = {}
    rows, probs = [], []
    for it in items:
        reg = it.registry
        judge = judges.setdefault(id(reg), Judge(llm, names=reg.display, aliases=reg.alias_items(), idf=idf))
        sim = float(np.dot(vecs[it.a.text], vecs[it.b.text]))
        try:
            pr = judge.llm_probabilities(it.a, it.b) if llm is not None else None
        except KeyError:
            pr = None
        probs.append(pr)
        f = judge.features(it.a, it.b, sim, it.adjacent, pr)
        rows.append([f[n] for n in NAMES])
    return np.array(rows, float), np.array([it.y for it in items]), probs


def prf(scores, y, threshold: float) -> dict:
    s, y = np.asarray(scores), np.asarray(y)
    flagged = s >= threshold
    tp = int((flagged & (y == 1)).sum())
    return {"threshold": round(float(threshold), 4), "flagged": int(flagged.sum()), "true_positives": tp,
            "precision": round(tp / flagged.sum(), 3) if flagged.sum() else None,
            "recall": round(tp / max(1, int((y == 1).sum())), 3)}


def evaluate(llm_url: str | None = None, with_speed: bool = True) -> dict:
    from retrieval.contradictions.calibration import load, roc_auc
    from retrieval.contradictions.features import NAMES

    items, docs = load_items()
    llm = CachedLLM(llm_url)
    X, y, probs = compute(items, docs, llm)
    llm.save()
    ev = np.array([it.split == "evaluation" for it in items])
    have = np.array([p is not None for p in probs])
    cal = load()
    p_nollm = np.array([cal.probability(dict(zip(NAMES, row)), with_llm=False) for row in X])
    p_llm = np.array([cal.probability(dict(zip(NAMES, row)), with_llm=True) if h else pn
                      for row, h, pn in zip(X, have, p_nollm)])
    llm_alone = np.array([(p[0] + p[1]) / 2 if p else 0.0 for p in probs])
    idf = idf_for(docs.all_claims())
    old = np.array(old_judge_scores(items, llm, lambda reg: idf, list(X[:, NAMES.index("cosine")])))
    e = ev & have
    ye = y[e]
    result = {
        "evaluation_pairs": int(ev.sum()), "evaluation_contradictions": int(y[ev].sum()),
        "calibration_pairs": int((~ev).sum()), "evaluation_pairs_with_model": int(e.sum()),
        "calibration_version": cal.version(),
        "auc_old_judge": _r(roc_auc(old[e], ye)),
        "auc_llm_alone": _r(roc_auc(llm_alone[e], ye)),
        "auc_calibrated_no_model": _r(roc_auc(p_nollm[ev], y[ev])),
        "auc_calibrated": _r(roc_auc(p_llm[e], ye)),
        "old_judge": prf(old[e], ye, 1e-9),
        "calibrated": prf(p_llm[e], ye, cal.llm.threshold),
        "calibrated_no_model": prf(p_nollm[ev], y[ev], cal.nollm.threshold),
        "by_kind": _by_kind(items, ev, p_llm, cal.llm.threshold),
    }
    if with_speed and llm_url:
        result["judge_pairs_per_s"] = judge_speed(items, docs, llm_url)
        result.update(seed_index_time(llm_url))
    return result


def _by_kind(items, ev, p, threshold) -> dict:
    out: dict = {}
    for it, e, s in zip(items, ev, p):
        if not e:
            continue
        k = out.setdefault(f"{it.label}:{it.kind or '-'}", {"n": 0, "flagged": 0})
        k["n"] += 1
        k["flagged"] += int(s >= threshold)
    return dict(sorted(out.items()))


def _r(x):
    return None if x is None else round(float(x), 3)


def judge_speed(items: list[Item], docs: _Docs, llm_url: str, n: int = 6) -> float:
    """Fresh pairs (uncached: the model is called) judged per second: features + both orders."""
    from retrieval.contradictions.judge import Judge
    from retrieval.llm.client import LLMClient
    from retrieval.settings import Settings

    settings = Settings(_env_file=None, data_dir=REPO / ".analyst", llm="remote", llm_base_url=llm_url)
    client = LLMClient(settings, llm_url, settings.llm_model)
    idf = idf_for(docs.all_claims())
    t0 = time.perf_counter()
    for it in items[:n]:
        judge = Judge(client, names=it.registry.display, aliases=it.registry.alias_items(), idf=idf)
        judge.judge(it.a, it.b, similarity=0.6, adjacent=it.adjacent)
    return round(n / (time.perf_counter() - t0), 3)


def seed_index_time(llm_url: str) -> dict:
    from bench.contradictions import seed_detection

    return {"seed": seed_detection(llm_url)}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    url = next((a for a in argv if not a.startswith("--")), None)
    speed = "--no-speed" not in argv
    print(json.dumps(evaluate(url, with_speed=speed), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main([a for a in sys.argv[1:]]))
