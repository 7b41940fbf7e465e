"""Fit the contradiction calibration on the CALIBRATION split of bench/devset/pairs.json only.

    python -m bench.calibrate [LLM_BASE_URL]

Computes every calibration pair's features (model answers from bench/cache/llm-probs.json, asking the
model at LLM_BASE_URL for missing ones), fits the two logistic variants (with and without the model's
answer) with the penalty chosen by cross-validation inside the calibration split, picks each threshold
on the cross-validated predictions, and writes retrieval/contradictions/calibration.json. The
evaluation split is not read for fitting: its pairs are not even featurised here."""
from __future__ import annotations

import hashlib
import json
import logging
import math
import sys
from dataclasses import replace

import numpy as np

from bench.disputes import CachedLLM, compute, load_items


DECIDE = 0.5  # a pair is recorded when its (prior-corrected) probability of conflict is at least this


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def engine_candidates(items, docs, k: int = 6, floor: float = 0.45):
    """The pairs the engine would generate over the calibration documents (k nearest claims by embedding
    above the similarity floor, pairable as in engine.pairable, plus claims of one paragraph), computed
    with numpy: (claim, claim, cosine, adjacent)."""
    from retrieval.contradictions.engine import CONTEXT_BACK, pairable
    from retrieval.index.embeddings import MiniLMEmbedding

    names = {c.doc for it in items for c in (it.a, it.b)}
    claims = [c for c in docs.all_claims() if c.doc in names]
    emb = MiniLMEmbedding().embed([c.text for c in claims])
    sims = emb @ emb.T
    pairs: dict[tuple[int, int], bool] = {}
    for i in range(len(claims)):
        got = 0
        for j in np.argsort(-sims[i]):
            if got >= k or sims[i, j] < floor:
                break
            if j != i and pairable(claims[i], claims[j]):
                pairs.setdefault((min(i, j), max(i, j)), False)
                got += 1
        for j in range(max(0, i - CONTEXT_BACK), i):
            if claims[j].doc == claims[i].doc and claims[j].speaker != claims[i].speaker:
                pairs[(j, i)] = True
    return [(claims[i], claims[j], float(sims[i, j]), adj) for (i, j), adj in pairs.items()]


def _overlaps(c, q) -> bool:
    return c.doc == q.doc and c.start < q.end and q.start < c.end


def labelled_match(c1, c2, items) -> bool:
    return any((_overlaps(c1, it.a) and _overlaps(c2, it.b)) or (_overlaps(c1, it.b) and _overlaps(c2, it.a))
               for it in items)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from retrieval.contradictions.calibration import NOLLM, PATH, STACKED, cv_logits, fit
    from retrieval.contradictions.features import NAMES

    url = next((a for a in argv if not a.startswith("--")), None)
    items, docs = load_items()
    cal_items = [it for it in items if it.split == "calibration"]
    llm = CachedLLM(url)
    X, y, probs = compute(cal_items, docs, llm)
    X[:, NAMES.index("llm")] = [x if p is not None else 0.0 for x, p in zip(X[:, NAMES.index("llm")], probs)]
    llm.save()
    have = np.array([p is not None for p in probs])
    if not have.all():
        print(f"warning: {int((~have).sum())} calibration pairs have no model answer; the model variant "
              f"is fitted on the {int(have.sum())} that do", file=sys.stderr)
    idx = [NAMES.index(n) for n in NOLLM]
    # The no-model variant learns from the labelled pairs AND from the pairs the engine actually generates
    # over the calibration documents that match no labelled pair, taken as negatives (a few may be
    # unlabelled conflicts): the labelled pairs alone are 40% conflicts and all topical look-alikes,
    # while the engine's candidates are mostly easy negatives and a few per cent conflicts.
    from retrieval.contradictions.judge import Judge
    from bench.disputes import idf_for

    cands = [c for c in engine_candidates(cal_items, docs) if not labelled_match(c[0], c[1], cal_items)]
    idf = idf_for(docs.all_claims())
    extra = []
    reg_of = {c.doc: it.registry for it in cal_items for c in (it.a, it.b)}
    judges: dict[int, Judge] = {}
    for c1, c2, sim, adj in cands:
        reg = reg_of[c1.doc]
        judge = judges.setdefault(id(reg), Judge(None, names=reg.display, aliases=reg.alias_items(), idf=idf))
        f = judge.features(c1, c2, sim, adj)
        extra.append([f[n] for n in NOLLM])
    Xn = np.vstack([X[:, idx], np.array(extra, float).reshape(-1, len(NOLLM))])
    yn = np.concatenate([y, np.zeros(len(extra), int)])
    nollm, info_nollm = fit(Xn, yn, NOLLM)
    nollm = replace(nollm, threshold=DECIDE)
    prior_dep = float(yn.mean())
    # stacked: the no-model logit of each labelled pair, out of fold, and the model's answer, fitted on
    # the labelled pairs the model answered; their 40% prevalence is corrected to the engine's
    base = cv_logits(Xn, yn, info_nollm["l2"])[: len(y)]
    S = np.column_stack([base, X[:, NAMES.index("llm")]])[have]
    with_llm, info_llm = fit(S, y[have], STACKED)
    prior_cal = float(y[have].mean())
    shift = _logit(prior_dep) - _logit(prior_cal)
    with_llm = replace(with_llm, intercept=with_llm.intercept + shift, threshold=DECIDE)
    n_cand = len(extra)
    digest = hashlib.sha1(json.dumps([it.id for it in cal_items] + X.round(6).tolist()).encode()).hexdigest()[:8]
    from retrieval.contradictions.judge import ORDERS

    meta = {"version": digest, "fitted_on": "bench/devset/pairs.json split=calibration", "llm_orders": ORDERS,
            "pairs": len(cal_items), "contradictions": int(y.sum()),
            "prior_labelled": round(prior_cal, 4), "prior_deployment": round(prior_dep, 4),
            "candidate_pairs": n_cand, "intercept_shift": round(shift, 4), "decision": DECIDE,
            "llm": info_llm, "nollm": info_nollm}
    data = {"meta": meta, "llm": with_llm.to_dict(), "nollm": nollm.to_dict()}
    PATH.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"meta": meta, "coef_llm": dict(zip(STACKED, data["llm"]["coef"])),
                      "coef_nollm": dict(zip(NOLLM, data["nollm"]["coef"])),
                      "threshold_llm": data["llm"]["threshold"], "threshold_nollm": data["nollm"]["threshold"]},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
