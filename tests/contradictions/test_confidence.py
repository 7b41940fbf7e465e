"""A dispute's confidence from independent evidence (`retrieval/contradictions/confidence.py`): the
matching that counts pairs sharing no claim, the evidence classes, and the shipped rates being exactly
what `python -m bench.confidence` fits on the committed digest runs and the current labels."""
from __future__ import annotations

import json

from bench.confidence import ITEMS, fit
from retrieval.contradictions.confidence import (CLASSES, FITTED, STRONG, class_confidence, evidence_class,
                                                 independent_pairs, key_pairs)


def test_pairs_sharing_a_claim_count_once():
    assert independent_pairs([]) == 0
    assert independent_pairs([("hub", "x"), ("hub", "y"), ("hub", "z")]) == 1  # one sentence against three
    assert independent_pairs([("a", "x"), ("b", "y")]) == 2
    # a chain a-x, x-b... : the greedy first choice (a, x) must give way to find two
    assert independent_pairs([("x", "a"), ("x", "b"), ("c", "a")]) == 2
    assert independent_pairs([("a", "a")]) == 0


def test_key_pairs_are_the_counted_evidence_strongest_first():
    weak = STRONG - 0.2
    assert key_pairs([]) == []
    # a hub: one sentence against three is one piece of evidence, shown by its strongest pair
    assert key_pairs([("hub", "x", 0.9, False), ("hub", "y", 1.0, False), ("hub", "z", 0.85, False)]) == [1]
    # independent pairs, strongest first; a weak pair and a pair of one speaker's statements are not evidence
    assert key_pairs([("a", "x", 0.85, False), ("b", "y", 0.95, False), ("c", "z", weak, False),
                      ("d", "w", 1.0, True)]) == [1, 0]
    # the strongest pair (x, a) blocks both others: the two it blocks are the evidence, not it
    assert key_pairs([("x", "a", 1.0, False), ("x", "b", 0.9, False), ("c", "a", 0.95, False)]) == [2, 1]
    # no strong pair between speakers: the strongest pair stands for the dispute
    assert key_pairs([("a", "x", weak, False), ("a", "a2", 1.0, True)]) == [1]
    # at most `limit`
    assert key_pairs([(f"a{i}", f"x{i}", 0.9, False) for i in range(5)], limit=3) == [0, 1, 2]


def test_evidence_classes():
    strong, weak = STRONG, STRONG - 0.2
    assert evidence_class([("a", "x", strong, False), ("b", "y", 1.0, False)]) == "corroborated"
    assert evidence_class([("a", "x", strong, False), ("a", "y", 1.0, False)]) == "single"  # a hub
    assert evidence_class([("a", "x", strong, False), ("b", "y", weak, False)]) == "single"  # one is weak
    # one speaker's statements on two dates never corroborate
    assert evidence_class([("a", "x", 1.0, True), ("b", "y", 1.0, True)]) == "weak"
    assert evidence_class([("a", "x", weak, False)]) == "weak"


def test_shipped_rates_are_the_fit_on_the_committed_runs():
    shipped = json.loads(FITTED.read_text(encoding="utf-8"))
    refit = fit(json.loads(ITEMS.read_text(encoding="utf-8"))["runs"])
    assert shipped["confidence"] == refit["confidence"] and shipped["counts"] == refit["counts"], (
        "labels or runs changed: run `python -m bench.confidence --write`")
    rates = class_confidence()
    assert set(rates) == set(CLASSES) and rates["corroborated"] > rates["single"] > rates["weak"]


def test_the_default_bars_fall_between_the_fitted_classes():
    """The digest posts corroborated disputes, its heading and answers name single-pair ones, never weak:
    each default bar sits between the rates of the classes it separates, so a refit that moves a rate
    across a bar fails here rather than silently changing what the digest shows."""
    from retrieval.settings import Settings

    rates, s = class_confidence(), Settings(_env_file=None)
    assert rates["single"] < s.digest_min_confidence <= rates["corroborated"]
    assert rates["weak"] < s.digest_possible_min_confidence <= rates["single"]
    assert rates["weak"] < s.answer_contested_min_confidence <= rates["single"]  # answers name the same
