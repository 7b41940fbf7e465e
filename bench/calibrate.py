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
import sys

import numpy as np

from bench.disputes import CachedLLM, compute, load_items


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from retrieval.contradictions.calibration import NOLLM, PATH, fit
    from retrieval.contradictions.features import NAMES

    url = next((a for a in argv if not a.startswith("--")), None)
    items, docs = load_items()
    cal_items = [it for it in items if it.split == "calibration"]
    llm = CachedLLM(url)
    X, y, probs = compute(cal_items, docs, llm)
    llm.save()
    have = np.array([p is not None for p in probs])
    if not have.all():
        print(f"warning: {int((~have).sum())} calibration pairs have no model answer; the model variant "
              f"is fitted on the {int(have.sum())} that do", file=sys.stderr)
    idx = [NAMES.index(n) for n in NOLLM]
    nollm, info_nollm = fit(X[:, idx], y, NOLLM)
    with_llm, info_llm = fit(X[have], y[have], NAMES)
    digest = hashlib.sha1(json.dumps([it.id for it in cal_items] + X.round(6).tolist()).encode()).hexdigest()[:8]
    from retrieval.contradictions.judge import ORDERS

    meta = {"version": digest, "fitted_on": "bench/devset/pairs.json split=calibration", "llm_orders": ORDERS,
            "pairs": len(cal_items), "contradictions": int(y.sum()),
            "llm": info_llm, "nollm": info_nollm}
    data = {"meta": meta, "llm": with_llm.to_dict(), "nollm": nollm.to_dict()}
    PATH.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"meta": meta, "coef_llm": dict(zip(NAMES, data["llm"]["coef"])),
                      "coef_nollm": dict(zip(NOLLM, data["nollm"]["coef"])),
                      "threshold_llm": data["llm"]["threshold"], "threshold_nollm": data["nollm"]["threshold"]},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
