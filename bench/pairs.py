"""Pair-level contradiction quality on the labelled development set (`bench/devset/pairs.json`).

Each labelled pair (contradiction / compatible / unrelated, with its kind: direct, numeric, wrong owner,
different actors, …) is loaded as two claims with the real loader, attribution and splitter, and judged
by the shipped `Judge` exactly as the index-time engine calls it (numeric check, rules, gate, the model
in both orders). Reported per split: pairs flagged, precision, recall, and flags per label:kind. The
thresholds are chosen on the `calibration` split; the `evaluation` split (documents held out in
`pairs.json`'s `heldout_docs`) is for reporting only.

Model answers are cached in `bench/cache/llm-probs.json` (keyed by the rendered prompt, git-ignored), so
re-running after a change to the rules does not call the model again.

    python -m bench.pairs [LLM_BASE_URL]   # without a URL: cached answers only, misses judged without it
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import CORPORA, DEVSET, REPO, SEED

CACHE = REPO / "bench" / "cache" / "llm-probs.json"
LABELS = ["contradiction", "agreement", "unrelated"]


@dataclass
class Item:
    id: str
    a: object  # Claim
    b: object  # Claim
    label: str
    kind: str
    split: str
    registry: object
    adjacent: bool
    corpus: str = ""  # the dev corpus folder (one of bench.CORPORA; the seed alone: "seed")


class Docs:
    """Dev-set documents (each folder with its sources.yaml) and the seed, loaded as the indexer does."""

    def __init__(self) -> None:
        self.loaded: dict[Path, tuple] = {}

    def path(self, doc: str) -> Path:
        if doc == "seed" or Path(doc).name == SEED.name:
            return SEED
        return DEVSET / doc

    def load(self, doc: str):
        from retrieval.corpus.attribution import Attributor
        from retrieval.corpus.loader import load_document
        from retrieval.corpus.sources import SourceRegistry
        from retrieval.index.splitter import PassageSplitter

        path = self.path(doc)
        if path not in self.loaded:
            reg = SourceRegistry.load(path.parent / "sources.yaml")
            document = load_document(path, path.parent, reg, max_bytes=10**7)
            passages = PassageSplitter(Attributor(reg), 500, 0).split(document)
            self.loaded[path] = (document, passages, reg)
        return self.loaded[path]

    def claim(self, doc: str, quote: str):
        from retrieval.models import Claim

        document, passages, reg = self.load(doc)
        pos = document.text.find(quote)
        if pos < 0:
            raise ValueError(f"quote not in {doc}: {quote[:60]!r}")
        end = pos + len(quote)
        speaker = next((p.speaker for p in passages if p.start <= pos < p.end), document.source)
        cid = hashlib.sha1(f"{document.doc}\x1f{pos}\x1f{end}".encode()).hexdigest()[:16]
        return Claim(id=cid, passage_id="", doc=document.doc, source=document.source, speaker=speaker,
                     title=document.title, start=pos, end=end, text=document.text[pos:end], date=document.date), reg

    def all_claims(self):
        from retrieval.contradictions.claims import extract_claims

        return extract_claims(p for _, passages, _ in self.loaded.values() for p in passages)


def load_items() -> tuple[list[Item], Docs]:
    from retrieval.contradictions.claims import same_paragraph

    raw = json.loads((DEVSET / "pairs.json").read_text(encoding="utf-8"))
    docs = Docs()
    for folder in (DEVSET / c for c in CORPORA):
        for path in sorted(folder.glob("*.md")):
            docs.load(str(path.relative_to(DEVSET)))
    items = []
    for p in raw["pairs"]:
        a, reg = docs.claim(p["a"]["doc"], p["a"]["quote"])
        b, _ = docs.claim(p["b"]["doc"], p["b"]["quote"])
        adjacent = same_paragraph(docs.load(p["a"]["doc"])[0].text, a, b)
        a, b = sorted((a, b), key=lambda c: (c.doc, c.start))
        corpus = next((d.split("/")[0] for d in (p["a"]["doc"], p["b"]["doc"]) if "/" in d), "seed")
        items.append(Item(p["id"], a, b, p["label"], p.get("kind", ""), p["split"], reg, adjacent, corpus))
    return items, docs


def idf_for(claims):
    from retrieval.text import content_words, stem

    df: Counter[str] = Counter()
    for c in claims:
        df.update({stem(w) for w in content_words(c.text)})
    n = max(len(claims), 1)
    return lambda s: math.log((n + 1) / (df.get(s, 0) + 1))


class CachedLLM:
    """`label_probabilities` from the cache file, else from the model at `base_url`; without one a miss
    raises LLMUnavailableError, so the pair is judged as the engine does when the model is down."""

    def __init__(self, base_url: str | None, path: Path = CACHE) -> None:
        self.path, self.client, self.calls, self.misses = path, None, 0, 0
        self.data: dict = json.loads(path.read_text()) if path.is_file() else {}
        if base_url:
            from retrieval.llm.client import LLMClient
            from retrieval.settings import Settings

            settings = Settings(_env_file=None, data_dir=REPO / ".analyst", llm="remote", llm_base_url=base_url,
                                llm_timeout_s=300, llm_queue_timeout_s=300)
            self.client = LLMClient(settings, base_url, settings.llm_model)
        self.model = "cached"

    @staticmethod
    def key(messages, labels) -> str:
        return hashlib.sha1(json.dumps([messages, list(labels)], sort_keys=True).encode()).hexdigest()

    def label_probabilities(self, messages, labels, timeout=None) -> dict[str, float]:
        from retrieval.errors import LLMUnavailableError

        k = self.key(messages, labels)
        if k not in self.data:
            if self.client is None:
                self.misses += 1
                raise LLMUnavailableError("no cached model answer")
            self.data[k] = self.client.label_probabilities(messages, labels)
            self.calls += 1
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.data))
        return self.data[k]


def verdicts(items: list[Item], docs: Docs, llm) -> list:
    """The shipped judge's verdict per item (the engine's call: similarity, adjacency, model if up)."""
    from retrieval.contradictions.judge import Judge
    from retrieval.errors import LLMUnavailableError
    from retrieval.index.embeddings import MiniLMEmbedding

    texts = sorted({c.text for it in items for c in (it.a, it.b)})
    vecs = dict(zip(texts, MiniLMEmbedding().embed(texts)))
    idf = idf_for(docs.all_claims())
    out = []
    for it in items:
        judge = Judge(llm, names=it.registry.display, aliases=it.registry.alias_items(), idf=idf)
        sim = float(np.dot(vecs[it.a.text], vecs[it.b.text]))
        try:
            out.append(judge.judge(it.a, it.b, similarity=sim, adjacent=it.adjacent))
        except LLMUnavailableError:
            out.append(judge.judge(it.a, it.b, similarity=sim, adjacent=it.adjacent, use_llm=False))
    return out


def _by_corpus(rows: list, flagged: list) -> dict:
    """Per dev corpus: "true positives / flagged / contradictions" (fr4978 and skripal were labelled blind)."""
    out = {}
    for corpus in sorted({it.corpus for it, _ in rows}):
        real = sum(it.label == "contradiction" for it, _ in rows if it.corpus == corpus)
        mine = [it for it, _ in flagged if it.corpus == corpus]
        out[corpus] = f"{sum(it.label == 'contradiction' for it in mine)}/{len(mine)}/{real}"
    return out


def report(items: list[Item], found: list, threshold: float) -> dict:
    out = {}
    for split in ("calibration", "evaluation"):
        rows = [(it, v) for it, v in zip(items, found) if it.split == split]
        flagged = [(it, v) for it, v in rows if v.label == "contradiction" and v.score >= threshold]
        tp = sum(it.label == "contradiction" for it, _ in flagged)
        real = sum(it.label == "contradiction" for it, _ in rows)
        kinds: dict[str, list[int]] = {}
        for it, v in rows:
            k = kinds.setdefault(f"{it.label}:{it.kind or '-'}", [0, 0])
            k[0] += 1
            k[1] += int((it, v) in flagged)
        bands = {"0.5-0.8": (0.5, 0.8), "0.8-1.0": (0.8, 0.999), "1.0": (0.999, 1.01)}  # does the score rank?
        by_score = {k: [it.label == "contradiction" for it, v in flagged if lo <= v.score < hi]
                    for k, (lo, hi) in bands.items()}
        out[split] = {"pairs": len(rows), "contradictions": real, "flagged": len(flagged), "true_positives": tp,
                      "real_flagged_by_score": {k: f"{sum(x)}/{len(x)}" for k, x in by_score.items()},
                      "precision": round(tp / len(flagged), 3) if flagged else None,
                      "recall": round(tp / real, 3) if real else None,
                      "methods": dict(Counter(v.method for _, v in flagged)),
                      "by_corpus": _by_corpus(rows, flagged),
                      "flagged_by_kind": {k: f"{f}/{n}" for k, (n, f) in sorted(kinds.items())}}
    return out


def evaluate(llm_url: str | None = None) -> dict:
    from retrieval.settings import Settings

    items, docs = load_items()
    llm = CachedLLM(llm_url)
    found = verdicts(items, docs, llm)
    threshold = Settings(_env_file=None).contradiction_threshold
    return {"threshold": threshold, "model_calls": llm.calls, "model_misses": llm.misses,
            **report(items, found, threshold)}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    print(json.dumps(evaluate(argv[0] if argv else None), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
