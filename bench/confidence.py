"""Fit the digest's confidence: the share of real disputes per evidence class
(`retrieval/contradictions/confidence.py`) on labelled digest runs of the calibration corpora.

The runs live in `bench/devset/digest-items.json`: for each kept run of `python -m bench.digest_eval
LLM_URL --corpus C --keep FILE`, every dispute (grouped by this version's grouping) with its pairs:
both claims (document, quote, speaker), the judge's score and the pair's kind. A dispute is real when
one of its pairs is a labelled conflict (`bench/devset/pairs.json`, as `bench.digest_eval` scores it),
not real when every pair is labelled compatible or unrelated, and left out of the fit otherwise.
Disputes with a claim from a held-out document are never fitted on.

    python -m bench.confidence export KEPT.sqlite --corpus C   # add or replace that corpus's run
    python -m bench.confidence [--write]                        # fit; --write: confidence.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import SimpleNamespace

from bench import CORPORA, DEVSET

ITEMS = DEVSET / "digest-items.json"
SMOOTHING = 1  # Laplace: (real + 1) / (labelled + 2), so a class seen a few times stays near one half


def export(kept: Path, corpus: str) -> dict:
    """One kept run's disputes, regrouped by this version, as plain data."""
    from bench.rejudge import regroup

    disputes, rows, _ = regroup(kept, corpus)
    out = []
    for d in disputes:
        pairs = [rows[p] for p in d.pairs if p in rows]
        out.append({"id": d.id, "pairs": [
            {"a": _claim(c.a), "b": _claim(c.b), "score": c.score, "kind": str(c.kind)}
            for c in sorted(pairs, key=lambda c: (-c.score, c.id))]})
    return {"corpus": corpus, "kept": kept.name, "disputes": out}


def _claim(c) -> dict:
    return {"doc": c.doc, "quote": c.quote, "speaker": c.speaker}


def _pair(p: dict):
    return SimpleNamespace(a=SimpleNamespace(**p["a"]), b=SimpleNamespace(**p["b"]), score=p["score"])


def verdicts(runs: list[dict]) -> list[tuple[str, str, bool]]:
    """(evidence class, verdict, held out) of every dispute of the runs, against the current labels."""
    from bench.digest_eval import dispute_verdict, labeller, labels_for
    from retrieval.contradictions.confidence import evidence_class

    out = []
    for run in runs:
        labelled, heldout = labels_for(run["corpus"])
        label = labeller(labelled, run["corpus"])
        for d in run["disputes"]:
            pairs = [_pair(p) for p in d["pairs"]]
            verdict = dispute_verdict(label(c)[0] for c in pairs)
            cls = evidence_class(((c.a.doc, c.a.quote), (c.b.doc, c.b.quote), c.score, c.a.speaker == c.b.speaker)
                                 for c in pairs)
            held = any(c.a.doc in heldout or c.b.doc in heldout for c in pairs)
            out.append((cls, verdict, held))
    return out


def fit(runs: list[dict]) -> dict:
    from retrieval.contradictions.confidence import CLASSES

    rows = [(cls, v) for cls, v, held in verdicts(runs) if not held and v != "unlabelled"]
    counts = {c: {"real": sum(v == "real" for k, v in rows if k == c), "labelled": sum(k == c for k, _ in rows)}
              for c in CLASSES}
    conf = {c: round((n["real"] + SMOOTHING) / (n["labelled"] + 2 * SMOOTHING), 3) for c, n in counts.items()}
    return {"confidence": conf, "counts": counts, "runs": [r["corpus"] for r in runs],
            "fitted_by": "python -m bench.confidence --write"}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.confidence", description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="?", choices=("fit", "export"), default="fit")
    parser.add_argument("kept", nargs="?", type=Path, help="export: a database kept by bench.digest_eval --keep")
    parser.add_argument("--corpus", choices=CORPORA)
    parser.add_argument("--write", action="store_true", help="fit: write retrieval/contradictions/confidence.json")
    opts = parser.parse_args(argv)
    data = json.loads(ITEMS.read_text(encoding="utf-8")) if ITEMS.exists() else {"runs": []}
    if opts.command == "export":
        if opts.kept is None or opts.corpus is None:
            parser.error("export needs KEPT and --corpus")
        data["runs"] = [r for r in data["runs"] if r["corpus"] != opts.corpus] + [export(opts.kept, opts.corpus)]
        ITEMS.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{ITEMS.name}: {opts.corpus}: {len(data['runs'][-1]['disputes'])} disputes")
        return 0
    out = fit(data["runs"])
    if opts.write:
        from retrieval.contradictions.confidence import FITTED

        FITTED.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
