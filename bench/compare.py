"""The `compare` bench object, on bench/devset (documents nobody tuned compare on).

- alignment: would two claims share a row? Labelled pairs: bench/devset/alignment.json (demands and
  conditions) plus pairs.json (contradiction/compatible = same point, except different_actors and
  different_quantities; unrelated/topic_only = not). Per split (calibration / evaluation, held-out
  documents decide): precision and recall of "same point" with the shipped rule (`align.same_point`) and
  with the old rule (link score >= MATCH only), ROC AUC of cosine and of the link score, and the match
  threshold that the calibration split alone would pick (reported, and checked on evaluation).
- briefing: march2025 + the seed indexed; each case of compare.json and `kremlin whitehouse` without a
  topic: rows, rows on the first page, expected strings found per relation, and (with a model) how many
  model summaries were written and how many the support check rejected."""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from bench import DEVSET, SEED

_FRONT = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n---[ \t]*\r?\n", re.DOTALL)


def _body(doc: str) -> str:
    path = SEED if doc == "seed" else DEVSET / doc
    return _FRONT.sub("", path.read_text(encoding="utf-8"), count=1)


def labelled_pairs() -> list[dict]:
    held = set(json.loads((DEVSET / "pairs.json").read_text())["heldout_docs"])
    out = []
    for p in json.loads((DEVSET / "pairs.json").read_text())["pairs"]:
        same = p["label"] == "contradiction" or (p["label"] == "compatible" and p["kind"] not in
                                                  ("different_actors", "different_quantities"))
        out.append({"a": p["a"], "b": p["b"], "same": same, "split": p["split"]})
    for p in json.loads((DEVSET / "alignment.json").read_text())["pairs"]:
        split = "evaluation" if {p["a"]["doc"], p["b"]["doc"]} & held else "calibration"
        out.append({"a": p["a"], "b": p["b"], "same": p["label"] == "same", "split": split})
    return out


def _auc(scores, labels) -> float:
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return float("nan")
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def _pr(pred, labels) -> dict:
    tp = sum(p and y for p, y in zip(pred, labels))
    fp = sum(p and not y for p, y in zip(pred, labels))
    fn = sum(y and not p for p, y in zip(pred, labels))
    return {"precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "accuracy": round(sum(p == y for p, y in zip(pred, labels)) / len(labels), 3)}


def _features(pairs, embedder):
    """Per pair: cosine, link score, shared specific mass, cover (as in align.gated), idf floor."""
    from retrieval.compare import align as al
    from retrieval.models import Claim, Passage
    from retrieval.text import split_sentences

    corpus = lambda d: "march2025" if d == "seed" else d.split("/")[0]  # noqa: E731
    docs = {c: sorted({p[s]["doc"] for p in pairs for s in "ab" if corpus(p[s]["doc"]) == c})
            for c in {corpus(p["a"]["doc"]) for p in pairs}}
    idfs = {c: al.make_idf([s.text for d in ds for s in split_sentences(_body(d))]) for c, ds in docs.items()}
    passages = {d: Passage(id=d, doc=d, source="x", speaker="x", title="", start=0, end=len(_body(d)),
                           text=_body(d)) for ds in docs.values() for d in ds}
    qa = embedder.embed([p["a"]["quote"] for p in pairs])
    qb = embedder.embed([p["b"]["quote"] for p in pairs])
    rows = []
    for k, p in enumerate(pairs):
        idf = idfs[corpus(p["a"]["doc"])]
        claims = []
        for s in "ab":
            text = _body(p[s]["doc"])
            start = text.index(p[s]["quote"])
            claims.append(Claim(id=f"{k}{s}", passage_id=p[s]["doc"], doc=p[s]["doc"], source="x", speaker=s,
                                title="", start=start, end=start + len(p[s]["quote"]), text=p[s]["quote"]))
        cond = al.condition_ids([passages[c.doc] for c in claims], claims)
        cos = float(qa[k] @ qb[k])
        spec = float(al.topic_overlap(claims[0].text, claims[1].text, idf, set()))
        score = cos + min(al.LEXICAL_CAP, al.LEXICAL_WEIGHT * spec)
        gated = al.gated(np.array([[score]]), np.array([[spec]]), claims[:1], claims[1:], cond, idf, set(), -9)
        rows.append({"cos": cos, "score": score, "passes_gates": bool(gated[0, 0] > -1), "split": p["split"],
                     "same": p["same"]})
    return rows


def bench_alignment(embedder) -> dict:
    from retrieval.compare.align import MATCH

    feats = _features(labelled_pairs(), embedder)
    out: dict = {}
    cal = [f for f in feats if f["split"] == "calibration"]
    grid = [round(0.30 + 0.025 * i, 3) for i in range(17)]
    best = max(grid, key=lambda t: (_pr([f["passes_gates"] and f["score"] >= t for f in cal],
                                        [f["same"] for f in cal])["accuracy"], -abs(t - MATCH)))
    for split in ("calibration", "evaluation"):
        fs = [f for f in feats if f["split"] == split]
        labels = [f["same"] for f in fs]
        out[split] = {
            "pairs": len(fs), "same": sum(labels),
            "auc_cosine": round(_auc([f["cos"] for f in fs], labels), 3),
            "auc_link_score": round(_auc([f["score"] for f in fs], labels), 3),
            "old_rule": _pr([f["score"] >= MATCH for f in fs], labels),
            "shipped_rule": _pr([f["passes_gates"] and f["score"] >= MATCH for f in fs], labels),
            "calibrated_match": _pr([f["passes_gates"] and f["score"] >= best for f in fs], labels),
        }
    out["match_shipped"], out["match_picked_on_calibration"] = MATCH, best
    return out


def _found(rows, relations, side, words) -> bool:
    text = " ".join(c.quote for r in rows if r.relation in relations for c in getattr(r, side)).lower()
    return any(w.lower() in text for w in words)


def bench_briefing(tmp: Path, base_url: str | None) -> dict:
    from retrieval.service import Analyst
    from retrieval.settings import Settings

    corpus = tmp / "corpus"
    corpus.mkdir(parents=True)
    for f in (DEVSET / "march2025").glob("*.md"):
        shutil.copy(f, corpus / f.name)
    shutil.copy(DEVSET / "march2025" / "sources.yaml", corpus / "sources.yaml")
    shutil.copy(SEED, corpus / SEED.name)
    base = dict(_env_file=None, data_dir=tmp / "data", corpus_dir=corpus, llm="none")
    Analyst(Settings(**base)).index()
    llm = dict(llm="remote", llm_base_url=base_url) if base_url else {}
    svc = Analyst(Settings(**{**base, **llm}))
    cases = json.loads((DEVSET / "compare.json").read_text())["cases"]
    cases = [*cases, {"id": "all", "a": "kremlin", "b": "whitehouse", "topic": None, "split": "evaluation"}]
    out, model, rejected = [], 0, 0
    for case in cases:
        res = svc.compare(case["a"], case["b"], case.get("topic"))
        model += res.summaries.get("model", 0)
        rejected += res.summaries.get("rejected", 0)
        item = {"id": case["id"], "split": case["split"], "rows": len(res.rows), "first_page": res.first_page}
        for key, rels, side in (("only_a_any", {"only_a"}, "a"), ("only_b_any", {"only_b"}, "b"),
                                ("shared_any", {"agree", "differ", "contradict"}, "a"),
                                ("contradict_any", {"contradict"}, "a")):
            if case.get(key):
                sides = (side,) if key.startswith("only") else ("a", "b")
                item[key] = any(_found(res.rows, rels, s, case[key]) for s in sides)
        out.append(item)
    svc.close()
    return {"cases": out, "first_page_rows": [c["first_page"] for c in out],
            "model_summaries": model, "model_summaries_rejected": rejected,
            "rejection_rate": round(rejected / model, 3) if model else None}


def bench_compare(base_url: str | None = None) -> dict:
    from retrieval.index.embeddings import MiniLMEmbedding

    result = {"alignment": bench_alignment(MiniLMEmbedding())}
    with tempfile.TemporaryDirectory() as d:
        result["briefing"] = bench_briefing(Path(d), base_url)
    return result


if __name__ == "__main__":
    import sys

    print(json.dumps(bench_compare(sys.argv[1] if len(sys.argv) > 1 else None), indent=2))
