"""Who speaks each sentence: the rule-based attribution (`retrieval/corpus/attribution.py`) scored on
the labelled sentences of `bench/devset/speakers.json`, per split, without a model.

Each document is attributed whole, as at index time; a sentence's speaker is that of the segment that
covers most of it. `sure_*` leave out the sentences whose label was marked ambiguous; `misses` lists the
evaluation split's wrong answers (what to read next, not to tune on). The `fresh` split's misses are never
printed: it stays blind until a newer blind draw replaces it.

    python -m bench.speakers      # prints JSON"""
from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

from bench import DEVSET, REPO

LABELS = DEVSET / "speakers.json"


def folder(corpus: str) -> Path:
    return REPO / "corpus" if corpus == "corpus" else DEVSET / corpus


@lru_cache(maxsize=None)
def _segments(corpus: str, doc: str):
    from retrieval.corpus.attribution import Attributor
    from retrieval.corpus.loader import split_front_matter
    from retrieval.corpus.sources import SourceRegistry

    root = folder(corpus)
    meta, body = split_front_matter((root / doc).read_text(encoding="utf-8"), doc)
    attributor = Attributor(SourceRegistry.load(root / "sources.yaml"))
    return attributor.attribute(body, str(meta.get("source", "news")))


def speaker_of(row: dict) -> str:
    """The speaker attribution gives the labelled sentence."""
    start, end = row["start"], row["start"] + len(row["sentence"])
    segs = _segments(row["corpus"], row["doc"])
    return max(segs, key=lambda s: min(s.end, end) - max(s.start, start)).speaker


def evaluate() -> dict:
    rows = json.loads(LABELS.read_text(encoding="utf-8"))["sentences"]
    out: dict = {}
    for split in ("calibration", "evaluation", "fresh"):
        mine = [r for r in rows if r["split"] == split]
        got = {r["id"]: speaker_of(r) for r in mine}
        right = [r for r in mine if got[r["id"]] == r["speaker"]]
        sure = [r for r in mine if r["sure"]]
        out[split] = {"sentences": len(mine), "right": len(right), "accuracy": round(len(right) / len(mine), 3),
                      "sure_sentences": len(sure), "sure_right": sum(got[r["id"]] == r["speaker"] for r in sure)}
        if split == "evaluation":
            out[split]["misses"] = [f'{r["id"]} {r["corpus"]}: {got[r["id"]]} for {r["speaker"]}'
                                    for r in mine if got[r["id"]] != r["speaker"]]
    return out


if __name__ == "__main__":
    print(json.dumps(evaluate(), indent=2))
    sys.exit(0)
