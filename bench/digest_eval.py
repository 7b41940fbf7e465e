"""The `disputes` bench section from the digest's side: pairs per dispute, digest precision and whether
every real conflict appears once, measured on the development set (bench/devset/).

- `detected`: index bench/devset/ps752 (or march2025 with the seed; each with its own sources.yaml)
  with contradiction detection and the local model, as a user would, then index again (no new
  documents, as the bot's re-index job does) until no candidate pair waits for the model; group the
  pairs into disputes; map every dispute to the labelled disputes of bench/devset/disputes.json
  through its claims' quotes (a detected claim matches a labelled quote of the same document when one
  contains the other). A detected pair is `real` when both its claims are quotes of one labelled
  dispute's contradiction pairs, `false` when it is a labelled compatible/unrelated pair, `unlabelled`
  otherwise; a dispute is real when any of its pairs is (its `lead`: the verdict of its strongest pair,
  the one that sets its confidence).
  Reported on the evaluation split: disputes with a claim from a held-out document, and the labelled
  disputes with an evaluation pair (the same figures under `calibration`, for development: the other
  disputes, against the labelled disputes with no evaluation pair). `digest_precision` = real / posted
  (the disputes at or above ANALYST_DIGEST_MIN_CONFIDENCE), counting unlabelled ones as not real (a lower bound); also given
  over labelled items only, and strictly (`digest_precision_lead`: posted disputes whose strongest
  pair is real). `digest_duplicates`: extra digest items for a real dispute already posted;
  `digest_recall`: labelled disputes that reach the digest as items; `named`: possible disputes its
  heading names (confidence at least ANALYST_DIGEST_POSSIBLE_MIN_CONFIDENCE:
  `retrieval/contradictions/posting.py`; over successive digests),
  `digest_recall_with_named`: labelled disputes reached by an item or a named line.
- `grouping`: the grouping step alone, with the labelled contradiction pairs of both dev corpora as
  input (each with the kind the judge gives it, confidence 0.9), so the detector's misses do not hide
  it: pairwise precision/recall of "same dispute" decisions against the labels, on decisions that involve an
  evaluation pair (the thresholds were chosen on calibration-only decisions), plus labelled disputes
  split over several groups and groups mixing labelled disputes; per split, the groups as digest items
  (`as_items`: each group stands for its majority dispute; duplicates and hidden disputes).

    python -m bench.digest_eval [LLM_BASE_URL] [--keep FILE] [--corpus NAME]
    python -m bench.digest_eval --regroup FILE [--rules] [--corpus NAME]
    python -m bench.digest_eval --grouping
    (without a URL: detection without the model; --keep: a copy of the run's SQLite database, ledger and
    disputes; --regroup: score such a copy again with this version's grouping and the current labels,
    without the model; --rules: first drop the pairs this version's rules settle without the model, an
    estimate of a fresh run; --corpus march2025 indexes that corpus with the seed; make bench runs hainan,
    which is all held out)
"""
from __future__ import annotations

import itertools
import json
import logging
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench import CORPORA, DEVSET, SEED

log = logging.getLogger("bench.digest_eval")
MAX_RUNS = 10  # later index runs (no new documents) that judge the pairs left waiting for the model


def _devset() -> tuple[list[dict], dict[str, dict], set[str]]:
    spec = json.loads((DEVSET / "pairs.json").read_text(encoding="utf-8"))
    disputes = {d["id"]: d for d in json.loads((DEVSET / "disputes.json").read_text(encoding="utf-8"))}
    return spec["pairs"], disputes, set(spec["heldout_docs"])


def _doc_key(corpus: str, doc: str) -> str:
    """A labelled document name ("ps752/x.md", "seed") as the indexed corpus names it."""
    if doc == "seed":
        return "seed.md"
    return doc.split("/", 1)[1] if doc.startswith(corpus + "/") else doc


def _in_corpus(p: dict, corpus: str) -> bool:
    """Both quotes of a labelled pair come from `corpus` (the March corpus also holds the seed)."""
    ok = (corpus + "/", "seed") if corpus == "march2025" else (corpus + "/",)
    return all(p[side]["doc"].startswith(ok) for side in ("a", "b"))


def _same(quote: str, text: str) -> bool:
    q, t = " ".join(quote.split()), " ".join(text.split())
    return bool(q) and (q in t or t in q)


def _services(corpus: str, tmp: Path, llm_url: str | None):
    from retrieval.service import Analyst
    from retrieval.settings import Settings

    shutil.copytree(DEVSET / corpus, tmp / corpus / "corpus")
    if corpus == "march2025":
        shutil.copy(SEED, tmp / corpus / "corpus" / "seed.md")
    mode = dict(llm="remote", llm_base_url=llm_url, llm_timeout_s=600) if llm_url else dict(llm="none")
    return Analyst(Settings(_env_file=None, data_dir=tmp / corpus / "data", corpus_dir=tmp / corpus / "corpus",
                            **mode))


# ---- detected disputes on ps752 -------------------------------------------------------------------
def labels_for(corpus: str) -> tuple[list[dict], set[str]]:
    """The labelled pairs within `corpus` and its held-out documents, as the indexed corpus names them."""
    pairs, _, heldout = _devset()
    return ([p for p in pairs if _in_corpus(p, corpus)],
            {_doc_key(corpus, d) for d in heldout if d.startswith(corpus + "/")})


def detected(llm_url: str | None, corpus: str = "ps752", keep: Path | None = None) -> dict:
    pairs, heldout = labels_for(corpus)
    with tempfile.TemporaryDirectory() as d:
        svc = _services(corpus, Path(d), llm_url)
        try:
            t0 = time.perf_counter()
            report = svc.index()
            index_s = time.perf_counter() - t0
            waiting, runs, new = report.contradictions_waiting, 0, report.contradictions_new
            while report.contradictions_waiting and runs < MAX_RUNS:  # as the bot's re-index job would
                report = svc.index()
                runs, new = runs + 1, new + report.contradictions_new
            drain_s = time.perf_counter() - t0 - index_s
            disputes = svc.disputes("all")
            min_conf = svc.settings.digest_min_confidence
            pair_rows = {c.id: c for c in svc.contradictions("all")}
            if keep is not None:  # SQLite's backup, not a file copy: the database runs in WAL mode
                with sqlite3.connect(svc.settings.db_path) as src, sqlite3.connect(keep) as dst:
                    src.backup(dst)
        finally:
            svc.close()
    out = {"corpus": corpus, "llm": bool(llm_url), "index_with_detection_s": round(index_s, 1),
           "waiting_after_first_run": waiting, "later_runs": runs, "later_runs_s": round(drain_s, 1),
           "still_waiting": report.contradictions_waiting}
    out.update(score(disputes, pair_rows, min_conf, pairs, heldout, corpus))
    out["contradictions_new"] = new
    return out


def labeller(pairs: list[dict], corpus: str):
    """A detected pair (with .a/.b claims: doc, quote) → ("real", its labelled disputes) when both claims
    are contradiction quotes of one labelled dispute, ("false", ∅) when it is a labelled non-conflict,
    else ("unlabelled", ∅)."""
    quote_disputes: list[tuple[str, str, str]] = []  # (doc, quote, dispute)
    negatives: list[tuple[tuple[str, str], tuple[str, str]]] = []
    for p in pairs:
        a = (_doc_key(corpus, p["a"]["doc"]), p["a"]["quote"])
        b = (_doc_key(corpus, p["b"]["doc"]), p["b"]["quote"])
        if p["label"] == "contradiction":
            quote_disputes += [(*a, p["dispute"]), (*b, p["dispute"])]
        else:
            negatives.append((a, b))

    def claim_disputes(doc: str, text: str) -> set[str]:
        return {dsp for qd, q, dsp in quote_disputes if qd == doc and _same(q, text)}

    def matches(x: tuple[str, str], y: tuple[str, str], c) -> bool:
        return x[0] == c.a.doc and _same(x[1], c.a.quote) and y[0] == c.b.doc and _same(y[1], c.b.quote)

    def pair_label(c) -> tuple[str, set[str]]:
        common = claim_disputes(c.a.doc, c.a.quote) & claim_disputes(c.b.doc, c.b.quote)
        if common:
            return "real", common
        if any(matches(x, y, c) or matches(y, x, c) for x, y in negatives):
            return "false", set()
        return "unlabelled", set()
    return pair_label


def dispute_verdict(pair_verdicts) -> str:
    """A dispute is real when one of its pairs is, unlabelled when none is and one is unlabelled, else false."""
    got = Counter(pair_verdicts)
    return "real" if got["real"] else "unlabelled" if got["unlabelled"] else "false"


def score(disputes, pair_rows: dict, min_conf: float, pairs: list[dict], heldout: set[str], corpus: str,
          name_floor: float = 0.5) -> dict:
    """Map detected disputes to the labelled ones through their claims' quotes and score the digest
    (`name_floor`: possible disputes this confident are named in its heading)."""
    from retrieval.contradictions.posting import nameable

    pair_label = labeller(pairs, corpus)
    named_ids = {d.id for d in nameable([d for d in disputes if d.confidence < min_conf], name_floor)}
    items = []
    for dsp in disputes:
        rows = sorted((pair_rows[p] for p in dsp.pairs if p in pair_rows), key=lambda c: (-c.score, c.id))
        labels_of = [pair_label(c) for c in rows]
        maps = set().union(*(m for _, m in labels_of)) if labels_of else set()
        docs = {c.doc for s in dsp.sides for c in s.citations}
        items.append({"id": dsp.id, "headline": dsp.headline, "kind": str(dsp.kind),
                      "confidence": dsp.confidence, "pairs": len(dsp.pairs), "posted": dsp.confidence >= min_conf,
                      "named": dsp.id in named_ids,
                      "evaluation": bool(docs & heldout), "maps_to": sorted(maps),
                      "lead": labels_of[0][0] if labels_of else "unlabelled",
                      "verdict": dispute_verdict(v for v, _ in labels_of)})
    n_pairs = sum(i["pairs"] for i in items)
    real_items = [i for i in items if i["verdict"] == "real"]
    ev = [i for i in items if i["evaluation"]]
    return {
        "pairs": n_pairs, "disputes": len(items),
        "pairs_per_dispute": round(n_pairs / len(items), 2) if items else None,
        "pairs_per_real_dispute": round(sum(i["pairs"] for i in real_items) / len(real_items), 2) if real_items else None,
        "min_confidence": min_conf,
        "evaluation": _digest(ev, {p["dispute"] for p in pairs if p["label"] == "contradiction"
                                   and p["split"] == "evaluation"}),
        "calibration": _digest([i for i in items if not i["evaluation"]],
                               {p["dispute"] for p in pairs if p["label"] == "contradiction"}
                               - {p["dispute"] for p in pairs if p["split"] == "evaluation"}),
        "items": sorted(ev, key=lambda i: -i["confidence"])[:40],
    }


def _digest(items: list[dict], labels: set[str]) -> dict:
    """Digest precision, recall, duplicates and merges over `items` against the labelled disputes `labels`."""
    posted = [i for i in items if i["posted"]]
    real_posted = [i for i in posted if i["verdict"] == "real"]
    labelled_posted = [i for i in posted if i["verdict"] != "unlabelled"]
    per_label = Counter(m for i in real_posted for m in i["maps_to"] if m in labels)
    found_any = {m for i in items for m in i["maps_to"] if m in labels}
    named = [i for i in items if i["named"]]
    shown = {m for i in posted + named if i["verdict"] == "real" for m in i["maps_to"] if m in labels}
    return {
        "disputes": len(items), "posted": len(posted), "posted_real": len(real_posted),
        "posted_unlabelled": sum(i["verdict"] == "unlabelled" for i in posted),
        "digest_precision": round(len(real_posted) / len(posted), 3) if posted else None,
        "digest_precision_labelled": round(len(real_posted) / len(labelled_posted), 3) if labelled_posted else None,
        "digest_precision_lead": round(sum(i["lead"] == "real" for i in posted) / len(posted), 3) if posted else None,
        "labelled_disputes": len(labels),
        "digest_recall": round(len(per_label) / len(labels), 3) if labels else None,
        "found_any_status": len(found_any),
        "named": len(named), "named_real": sum(i["verdict"] == "real" for i in named),
        "digest_recall_with_named": round(len(shown) / len(labels), 3) if labels else None,
        "digest_duplicates": sum(n - 1 for n in per_label.values()),
        "merged_items": sum(len(i["maps_to"]) > 1 for i in posted),
    }


# ---- grouping alone, on the labelled pairs ----------------------------------------------------------
def grouping() -> dict:
    """Group the labelled contradiction pairs (each with the kind the judge gives it) and score the grouping
    against the labels."""
    from retrieval.contradictions.disputes import DisputeBook
    from retrieval.contradictions.judge import conflict_kind
    from retrieval.contradictions.ledger import Ledger, pair_id

    pairs, labels, _ = _devset()
    contra = [p for p in pairs if p["label"] == "contradiction"]
    assigned: dict[str, str] = {}  # labelled pair id → group id
    missing = 0
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for corpus in CORPORA:
            svc = _services(corpus, tmp, None)
            svc.index()  # stores every claim (detection without the model; its pairs are not used)
            claims = svc.ledger.claims()
            embed = svc.embedder.embed
            ledger = Ledger(tmp / f"{corpus}-grouping.sqlite3")
            ledger.replace_claims({c.doc for c in claims}, claims)  # as at index time (a claim's context)
            book = DisputeBook(ledger, min_confidence=0.8, names=svc.registry.display)
            mine = [p for p in contra if _in_corpus(p, corpus)]
            ids = {}
            for p in mine:
                a = _find_claim(claims, _doc_key(corpus, p["a"]["doc"]), p["a"]["quote"])
                b = _find_claim(claims, _doc_key(corpus, p["b"]["doc"]), p["b"]["quote"])
                if a is None or b is None or a.id == b.id:
                    missing += 1
                    continue
                kind = conflict_kind(a, b) or labels[p["dispute"]]["kind"]  # the kind the judge would give
                ledger.record(a, b, 0.9, p["note"], kind=kind)
                ids[p["id"]] = pair_id(a, b)
            book.update(embed)
            of = book.dispute_of(list(ids.values()))
            assigned.update({pid: of[cid] for pid, cid in ids.items() if cid in of})
            ledger.close()
            svc.close()
    by_id = {p["id"]: p for p in contra}
    out = {}
    for which in ("calibration", "evaluation"):
        tp = fp = fn = 0
        for x, y in itertools.combinations(sorted(assigned), 2):
            involves_eval = "evaluation" in (by_id[x]["split"], by_id[y]["split"])
            if (which == "evaluation") != involves_eval:
                continue
            same_label = by_id[x]["dispute"] == by_id[y]["dispute"]
            same_group = assigned[x] == assigned[y]
            tp += same_label and same_group
            fp += same_group and not same_label
            fn += same_label and not same_group
        out[which] = {"precision": round(tp / (tp + fp), 3) if tp + fp else None,
                      "recall": round(tp / (tp + fn), 3) if tp + fn else None, "tp": tp, "fp": fp, "fn": fn}
    for which in ("calibration", "evaluation"):
        out[which].update(as_items({p: g for p, g in assigned.items() if by_id[p]["split"] == which},
                                   {p: by_id[p]["dispute"] for p in assigned}))
    groups: dict[str, set[str]] = {}
    spread: dict[str, set[str]] = {}
    for pid, gid in assigned.items():
        groups.setdefault(gid, set()).add(by_id[pid]["dispute"])
        spread.setdefault(by_id[pid]["dispute"], set()).add(gid)
    return {"labelled_pairs": len(assigned), "unmatched_quotes": missing, "labelled_disputes": len(spread),
            "groups": len(groups), "split_disputes": sum(len(g) > 1 for g in spread.values()),
            "mixed_groups": sum(len(v) > 1 for v in groups.values()), **out}


def as_items(assigned: dict[str, str], dispute_of: dict[str, str]) -> dict[str, int]:
    """The grouping as digest items would show it: each group stands for the labelled dispute most of its
    pairs belong to. `surfaced`: labelled disputes some group stands for; `duplicates`: groups standing
    for a dispute another group already stands for (a repeated item); `hidden`: labelled disputes no
    group stands for (merged into another's item). Every real conflict once: duplicates = hidden = 0."""
    groups: dict[str, Counter] = {}
    for pid, gid in sorted(assigned.items()):
        groups.setdefault(gid, Counter())[dispute_of[pid]] += 1
    stands_for = [c.most_common(1)[0][0] for c in groups.values()]
    labelled = {dispute_of[p] for p in assigned}
    return {"groups": len(groups), "surfaced": len(set(stands_for)),
            "duplicates": len(stands_for) - len(set(stands_for)), "hidden": len(labelled - set(stands_for))}


def _find_claim(claims, doc: str, quote: str):
    best, size = None, 0
    for c in claims:
        if c.doc == doc and _same(quote, c.text) and min(len(c.text), len(quote)) > size:
            best, size = c, min(len(c.text), len(quote))
    return best


def evaluate(llm_url: str | None, keep: Path | None = None, corpus: str = "ps752") -> dict:
    t0 = time.perf_counter()
    out = {"grouping": grouping()}
    out["detected"] = detected(llm_url, corpus=corpus, keep=keep)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    out["note"] = (f"detected: {corpus} indexed with detection, disputes mapped to bench/devset/disputes.json by "
                   "quotes, evaluation split; unlabelled items count as not real in digest_precision. "
                   "grouping: labelled contradiction pairs grouped alone, pairwise same-dispute decisions.")
    return out


if __name__ == "__main__":
    import argparse

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    parser = argparse.ArgumentParser(prog="python -m bench.digest_eval", description=__doc__.split("\n")[0])
    parser.add_argument("llm_url", nargs="?", help="the model's OpenAI-compatible base URL (none: no model)")
    parser.add_argument("--corpus", default="ps752", choices=CORPORA)
    parser.add_argument("--keep", type=Path, help="keep a copy of the run's SQLite database here")
    parser.add_argument("--regroup", type=Path, help="score a kept database again instead (no model)")
    parser.add_argument("--rules", action="store_true",
                        help="with --regroup: first drop the pairs this version's rules settle without the model")
    parser.add_argument("--grouping", action="store_true", help="only the grouping bench (no model, about a minute)")
    opts = parser.parse_args()
    if opts.grouping:
        print(json.dumps(grouping(), indent=2))
    elif opts.regroup:
        from bench.rejudge import regrouped

        print(json.dumps(regrouped(opts.regroup, opts.corpus, rules=opts.rules), indent=2))
    else:
        print(json.dumps(evaluate(opts.llm_url, keep=opts.keep, corpus=opts.corpus), indent=2))
