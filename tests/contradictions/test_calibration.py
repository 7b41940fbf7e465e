"""The calibration: numpy logistic regression, ROC AUC, threshold choice, and the shipped file."""
import numpy as np

from retrieval.contradictions.calibration import (
    NOLLM, STACKED, choose_threshold, cross_val_predictions, fit, load, roc_auc,
)
from retrieval.contradictions.features import NAMES


def test_roc_auc_counts_ties_half_and_orders():
    assert roc_auc([0.9, 0.8, 0.1], [1, 1, 0]) == 1.0
    assert roc_auc([0.1, 0.2, 0.9], [1, 1, 0]) == 0.0
    assert roc_auc([0.5, 0.5], [1, 0]) == 0.5
    assert roc_auc([0.5], [1]) is None


def test_fit_recovers_a_signal_and_ignores_noise():
    rng = np.random.default_rng(3)
    n = 300
    signal = rng.normal(size=n)
    noise = rng.normal(size=n)
    y = (signal + 0.5 * rng.normal(size=n) > 0).astype(int)
    X = np.column_stack([signal, noise])
    model, info = fit(X, y, ("signal", "noise"))
    assert model.coef[0] > 1.0 and abs(model.coef[1]) < 0.3
    assert info["cv_auc"] > 0.85
    hi = model.probability({"signal": 2.0, "noise": 0.0})
    lo = model.probability({"signal": -2.0, "noise": 0.0})
    assert hi > 0.9 and lo < 0.1


def test_cross_validated_predictions_are_out_of_fold():
    # labels that are pure noise: in-sample a flexible fit would look good, out of fold it must not
    rng = np.random.default_rng(5)
    X = rng.normal(size=(80, 6))
    y = rng.integers(0, 2, size=80)
    p = cross_val_predictions(X, y, l2=0.01)
    assert abs(roc_auc(p, y) - 0.5) < 0.2


def test_threshold_reaches_the_precision_target_when_it_can():
    p = np.array([0.95, 0.9, 0.85, 0.8, 0.6, 0.55, 0.3, 0.2])
    y = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    t = choose_threshold(p, y, min_precision=0.8)
    flagged = p >= t
    assert (y[flagged] == 1).mean() >= 0.8 and t >= 0.5


def test_shipped_calibration_covers_every_feature():
    cal = load()
    assert cal.llm.features == STACKED and cal.nollm.features == NOLLM
    for model in (cal.llm, cal.nollm):
        assert 0.5 <= model.threshold < 1.0
        assert np.all(model.std > 0)
    assert cal.meta.get("fitted_on", "").endswith("split=calibration")
