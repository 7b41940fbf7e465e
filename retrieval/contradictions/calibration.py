"""The calibrated contradiction confidence: a logistic model over pair features (`features.py`).

Fitted by `bench/calibrate.py` on the calibration split of the labelled development set (never on the
evaluation split) and shipped as `calibration.json` next to this module. Two variants share one file:
`llm` uses every feature including the model's P(contradiction); `nollm` leaves that feature out and is
used for pairs the model was not asked about (no model configured, or beyond the per-run budget), so a
score is always a probability fitted for the signals it actually saw. The `llm` variant is stacked: its
inputs are the `nollm` logit (`base`) and the model's answer (`llm`), three parameters fitted on the
calibration pairs the model answered, so a thin set of model answers does not refit every feature.

Plain numpy: standardised features, L2-penalised logistic regression by Newton's method, the penalty
chosen by cross-validation within the calibration split, and an operating threshold chosen on the
cross-validated calibration predictions."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from retrieval.contradictions.features import NAMES

PATH = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class Model:
    features: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    def logit(self, feats: dict[str, float]) -> float:
        x = np.array([feats.get(n, 0.0) for n in self.features], dtype=float)
        return float(self.intercept + ((x - self.mean) / self.std) @ self.coef)

    def probability(self, feats: dict[str, float]) -> float:
        z = self.logit(feats)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def contributions(self, feats: dict[str, float]) -> dict[str, float]:
        """Each feature's share of the logit (for explanations and debugging)."""
        x = np.array([feats.get(n, 0.0) for n in self.features], dtype=float)
        parts = ((x - self.mean) / self.std) * self.coef
        return {n: round(float(v), 3) for n, v in zip(self.features, parts)}

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": _r(self.mean), "std": _r(self.std),
                "coef": _r(self.coef), "intercept": round(self.intercept, 5), "threshold": round(self.threshold, 4)}

    @classmethod
    def from_dict(cls, d: dict) -> "Model":
        return cls(tuple(d["features"]), np.array(d["mean"], float), np.array(d["std"], float),
                   np.array(d["coef"], float), float(d["intercept"]), float(d["threshold"]))


@dataclass(frozen=True)
class Calibration:
    llm: Model
    nollm: Model
    meta: dict

    def model(self, with_llm: bool) -> Model:
        return self.llm if with_llm else self.nollm

    def inputs(self, feats: dict[str, float], with_llm: bool) -> dict[str, float]:
        """The inputs of the variant: all features (no model), or the base logit and the model's answer."""
        if not with_llm:
            return feats
        return {"base": self.nollm.logit(feats), "llm": feats.get("llm", 0.0)}

    def probability(self, feats: dict[str, float], with_llm: bool) -> float:
        return self.model(with_llm).probability(self.inputs(feats, with_llm))

    def threshold(self, with_llm: bool) -> float:
        return self.model(with_llm).threshold

    def version(self) -> str:
        return str(self.meta.get("version", "0"))


def _r(a: np.ndarray) -> list[float]:
    return [round(float(v), 5) for v in a]


@lru_cache(maxsize=4)
def load(path: str | None = None) -> Calibration:
    data = json.loads(Path(path or PATH).read_text(encoding="utf-8"))
    return Calibration(Model.from_dict(data["llm"]), Model.from_dict(data["nollm"]), data.get("meta", {}))


# ---- fitting ---------------------------------------------------------------------------------
def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float, iters: int = 50) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression (intercept unpenalised) by Newton's method on standardised X."""
    n, d = X.shape
    Xb = np.hstack([np.ones((n, 1)), X])
    w = np.zeros(d + 1)
    pen = np.full(d + 1, l2)
    pen[0] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(Xb @ w, -30, 30)))
        grad = Xb.T @ (p - y) + pen * w
        H = (Xb * (p * (1 - p))[:, None]).T @ Xb + np.diag(pen + 1e-9)
        step = np.linalg.solve(H, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w[1:], float(w[0])


def standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std[std < 1e-6] = 1.0
    return mean, std


def cross_val_predictions(X: np.ndarray, y: np.ndarray, l2: float, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold probabilities (stratified folds; each fold standardised on its own training part)."""
    rng = np.random.default_rng(seed)
    idx_pos, idx_neg = np.where(y == 1)[0], np.where(y == 0)[0]
    rng.shuffle(idx_pos)
    rng.shuffle(idx_neg)
    fold = np.empty(len(y), int)
    fold[idx_pos] = np.arange(len(idx_pos)) % folds
    fold[idx_neg] = np.arange(len(idx_neg)) % folds
    out = np.zeros(len(y))
    for k in range(folds):
        tr, te = fold != k, fold == k
        if not te.any() or len(set(y[tr])) < 2:
            continue
        mean, std = standardise(X[tr])
        coef, b = fit_logistic((X[tr] - mean) / std, y[tr], l2)
        out[te] = 1.0 / (1.0 + np.exp(-(b + ((X[te] - mean) / std) @ coef)))
    return out


def cv_logits(X: np.ndarray, y: np.ndarray, l2: float, folds: int = 5, seed: int = 0) -> np.ndarray:
    p = np.clip(cross_val_predictions(X, y, l2, folds, seed), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """Probability that a random positive outranks a random negative (ties count half)."""
    s, y = np.asarray(scores, float), np.asarray(labels, int)
    pos, neg = s[y == 1], s[y == 0]
    if not len(pos) or not len(neg):
        return None
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def choose_threshold(p: np.ndarray, y: np.ndarray, min_precision: float = 0.8) -> float:
    """The lowest threshold whose precision (on these predictions) reaches `min_precision` with at least
    two hits; failing that, the one with the best F0.5 (precision weighted over recall)."""
    best_f, best_t = -1.0, 0.5
    for t in sorted(set(np.round(p, 4)), reverse=True):
        flagged = p >= t
        tp = int((flagged & (y == 1)).sum())
        prec = tp / max(1, int(flagged.sum()))
        rec = tp / max(1, int((y == 1).sum()))
        f = (1.25 * prec * rec / (0.25 * prec + rec)) if tp else 0.0
        if f > best_f:
            best_f, best_t = f, float(t)
    candidates = [float(t) for t in sorted(set(np.round(p, 4)))
                  if ((p >= t) & (y == 1)).sum() >= 2
                  and ((p >= t) & (y == 1)).sum() / max(1, (p >= t).sum()) >= min_precision]
    return max(0.5, min(candidates)) if candidates else max(0.5, best_t)


def fit(X: np.ndarray, y: np.ndarray, features: Sequence[str], l2_grid=(0.3, 1, 3, 10, 30, 100, 300)) -> tuple[Model, dict]:
    """Fit one variant: the penalty with the best cross-validated log loss, then the threshold on the
    cross-validated predictions (so it is not chosen on predictions of pairs the model was fitted to)."""
    scores = {l2: log_loss(cross_val_predictions(X, y, l2), y) for l2 in l2_grid}
    l2 = min(scores, key=scores.get)
    cv = cross_val_predictions(X, y, l2)
    mean, std = standardise(X)
    coef, b = fit_logistic((X - mean) / std, y, l2)
    threshold = choose_threshold(cv, y)
    model = Model(tuple(features), mean, std, coef, b, threshold)
    return model, {"l2": l2, "cv_log_loss": round(scores[l2], 4), "cv_auc": roc_auc(cv, y)}


NOLLM = tuple(n for n in NAMES if n != "llm")
STACKED = ("base", "llm")
