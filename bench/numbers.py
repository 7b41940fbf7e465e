"""The deterministic number and date checks (`retrieval/contradictions/numeric.py`) measured without a
model: on the calibration and held-out sets of quantity pairs (`bench/devset/numbers-calibration.json`,
`bench/devset/numbers.json`; conflict / compatible) and on the labelled claim pairs of
`bench/devset/pairs.json` per split (a contradiction found counts as found, one found on a compatible
or unrelated pair as a false alarm).

    python -m bench.numbers      # prints JSON"""
from __future__ import annotations

import json
import sys
from collections import Counter

from bench import DEVSET


def _score(rows: list[tuple[bool, bool]]) -> dict:
    """rows: (really a conflict, flagged)."""
    n = Counter(rows)
    found, false = n[(True, True)], n[(False, True)]
    conflicts = found + n[(True, False)]
    return {"conflicts": conflicts, "found": found, "others": n[(False, True)] + n[(False, False)],
            "false_alarms": false, "precision": round(found / (found + false), 3) if found + false else None,
            "recall": round(found / conflicts, 3) if conflicts else None}


def flagged(a: str, b: str) -> bool:
    from retrieval.contradictions.numeric import find_conflict

    return find_conflict(a, b) is not None or find_conflict(b, a) is not None


def evaluate() -> dict:
    out = {}
    for name, file in (("calibration_number_pairs", "numbers-calibration.json"), ("held_out_number_pairs", "numbers.json")):
        items = json.loads((DEVSET / file).read_text(encoding="utf-8"))["pairs"]
        out[name] = _score([(p["label"] == "conflict", flagged(p["a"], p["b"])) for p in items])
    pairs = [p for p in json.loads((DEVSET / "pairs.json").read_text(encoding="utf-8"))["pairs"]
             if not p.get("note", "").startswith("Pooled")]
    for split in ("calibration", "evaluation"):
        out[f"labelled_claim_pairs_{split}"] = _score([(p["label"] == "contradiction",
                                                        flagged(p["a"]["quote"], p["b"]["quote"]))
                                                       for p in pairs if p["split"] == split])
    return out


if __name__ == "__main__":
    print(json.dumps(evaluate(), indent=1))
    sys.exit(0)
