"""Each kind of false alarm and miss from issue 9, with fresh invented examples (not from the dev set,
not from the seed): deterministic features and the calibrated score without the model.

False alarms: wrong owner, different actors, compatible statements, different quantities.
Misses: a conflict without a negation word, quantities in other units or words, one speaker changing
position over time, a "no sign of it so far" later contradicted."""
from pathlib import Path

import pytest

from retrieval.contradictions.engine import pairable
from retrieval.contradictions.features import EntityNames, frame, pair_features
from retrieval.contradictions.judge import Judge
from retrieval.contradictions.numeric import find_conflict, quantity_relation
from retrieval.corpus.attribution import Attributor
from retrieval.corpus.sources import SourceRegistry
from retrieval.models import Claim

NUMERIC_ALONE = ("calibration 0835d77d: without a model a numeric/date conflict alone is fitted at p~0.02 "
                 "(1 such pair among 85 calibration pairs), below the 0.5 record threshold")
ACTORS_UNWEIGHTED = ("calibration 0835d77d fits actor_clash at ~0: the feature is read correctly (asserted "
                     "first) but the calibration split does not weight it")

SOURCES = """sources:
  wire:
    name: Wire
    aliases: [the wire]
  ministry:
    name: Energy Ministry
    aliases: [the ministry, Energy Ministry, energy minister]
  mayor:
    name: Mayor Okafor
    aliases: [Mayor Okafor, Okafor, the mayor]
  northland:
    name: Northland
    aliases: [Northland, Northland's army]
  southland:
    name: Southland
    aliases: [Southland]
  commission:
    name: Election Commission
    aliases: [the commission, Election Commission]
"""


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> SourceRegistry:
    path = tmp_path_factory.mktemp("reg") / "sources.yaml"
    path.write_text(SOURCES, encoding="utf-8")
    return SourceRegistry.load(path)


@pytest.fixture(scope="module")
def judge(registry) -> Judge:
    return Judge(None, names=registry.display, aliases=registry.alias_items())


def claim(text, speaker, date="2025-05-02", doc=None, start=0):
    doc = doc or f"{speaker}-{date}.md"
    return Claim(id=f"{doc}:{start}:{hash(text) & 0xffff}", passage_id="p", doc=doc, source="wire",
                 speaker=speaker, title="T", start=start, end=start + len(text), text=text, date=date)


def confidence(judge: Judge, a: Claim, b: Claim, similarity: float = 0.7) -> float:
    return judge.judge(a, b, similarity=similarity, use_llm=False).score


# ---- false alarms --------------------------------------------------------------------------------
def test_wrong_owner_embedded_claim_belongs_to_the_main_speaker(registry):
    text = ("Mayor Okafor toured the harbour on Monday.\n"
            "He said the ministry was lying when it claimed the pumping station was shut.\n"
            "Okafor said the ministry claimed the pipes were new.\n"
            "When the ministry claimed the grid was stable, the mayor said residents had no power.\n")
    segs = Attributor(registry).attribute(text, "wire")
    speakers = {text[s.start:s.end][:20]: s.speaker for s in segs}
    assert speakers["He said the ministry"] == "mayor"
    assert speakers["Okafor said the mini"] == "mayor"
    assert speakers["When the ministry cl"] == "mayor"


def test_officials_reporting_a_party_is_not_that_partys_statement(registry):
    text = "Harbour officials said the ministry claimed the station had reopened.\n"
    (seg,) = Attributor(registry).attribute(text, "wire")
    assert seg.speaker == "wire"


@pytest.mark.xfail(strict=True, reason=ACTORS_UNWEIGHTED)
def test_different_actors_are_read_as_different_events(registry, judge):
    a = claim("Northland struck Southland's fuel depots overnight.", "wire")
    swapped = claim("Southland denies striking Northland's fuel depots overnight.", "southland")
    same = claim("Northland denies striking Southland's fuel depots overnight.", "northland")
    fa, fs = judge.features(a, swapped, 0.9), judge.features(a, same, 0.9)
    assert fa["actor_clash"] == 1.0 and fa["actor_same"] == 0.0
    assert fs["actor_same"] == 1.0 and fs["actor_clash"] == 0.0
    assert confidence(judge, a, swapped, 0.9) < confidence(judge, a, same, 0.9)


def test_passive_actor(registry):
    names = EntityNames(registry.alias_items())
    f = frame("The fuel depots were hit by Northland on Friday.", names)
    assert f.actor == "northland"


def test_compatible_statements_are_not_flagged(judge):
    a = claim("The board turned down the full merger, settling instead for a partial alliance.", "wire")
    b = claim("Ahead of the merger vote, the board raised questions about the cost of integration.", "mayor")
    v = judge.judge(a, b, similarity=0.62, use_llm=False)
    assert v.label != "contradiction"


def test_different_quantities_are_not_compared():
    a = "Rescuers evacuated 120 residents from the flooded valley."
    b = "Eight firefighters were injured in the flooded valley."
    assert quantity_relation(a, b)[0] == "different"
    assert find_conflict(a, b) is None
    assert find_conflict("Some 300 detainees were exchanged at the border.",
                         "At the border, 40 wounded soldiers were handed over.") is None


def test_different_quantities_score_below_the_same_quantity_disagreeing(judge):
    base = claim("Rescuers evacuated 120 residents from the flooded valley on Sunday.", "wire")
    other_thing = claim("Eight firefighters were injured in the flooded valley on Sunday.", "mayor")
    same_thing = claim("Rescuers evacuated 35 residents from the flooded valley on Sunday.", "mayor")
    assert confidence(judge, base, other_thing) < confidence(judge, base, same_thing)
    assert judge.judge(base, other_thing, similarity=0.7, use_llm=False).label != "contradiction"


# ---- misses --------------------------------------------------------------------------------------
def test_conflict_without_a_negation_word_reaches_the_score(judge):
    a = claim("The swing bridge reopened to traffic on Monday morning.", "mayor")
    b = claim("The swing bridge remains closed to all traffic this week.", "ministry")
    f = judge.features(a, b, 0.8)
    assert f["antonym"] == 1.0 and f["polarity"] == 0.0
    c = claim("The swing bridge reopened to traffic on Monday morning after repairs.", "ministry")
    assert confidence(judge, a, b, 0.8) > confidence(judge, a, c, 0.8)


def test_rejected_date_in_the_same_sentence_is_a_conflict(judge):
    a = claim("The commission said voting opened on May 4.", "commission")
    b = claim("Voting opened on the 11th, not on the 4th as the commission says.", "wire")
    assert find_conflict(a.text, b.text) is not None
    v = judge.judge(a, b, similarity=0.8, use_llm=False)
    assert v.label == "contradiction" and "different dates" in v.explanation


@pytest.mark.parametrize("a,b,relation", [
    ("The cabinet held a 45-minute session on the budget.",
     "The cabinet's budget session lasted three quarters of an hour.", "agree"),
    ("The cabinet held a 45-minute session on the budget.",
     "The budget session of the cabinet ran for nearly two hours.", "conflict"),
    ("The envoys met for half an hour.", "The envoys met for 30 minutes.", "agree"),
    ("The envoys met for half an hour.", "The envoys met for ninety minutes.", "conflict"),
    ("An hour-long hearing was held.", "The hearing took sixty minutes.", "agree"),
    ("Forty-five ballots were spoiled in the count.", "In the count 45 ballots were spoiled.", "agree"),
])
def test_quantities_in_other_units_and_words(a, b, relation):
    assert quantity_relation(a, b)[0] == relation


def test_same_speaker_dated_apart_is_a_changed_position(judge):
    march = claim("The ministry said the Brenner reactor will stay open through the winter.", "ministry",
                  date="2025-03-02")
    april = claim("The ministry said the Brenner reactor will close before the winter.", "ministry",
                  date="2025-04-15")
    same_day = claim("The ministry said the Brenner reactor needs new pumps.", "ministry", date="2025-03-02",
                     doc="ministry-other.md")
    assert pairable(march, april) and not pairable(march, same_day)
    assert Judge.kind(march, april) == "changed position"
    assert judge.features(march, april, 0.9)["same_speaker"] == 1.0


def test_no_sign_so_far_then_a_later_report_is_later_contradicted(judge):
    early = claim("There has been no sign so far of the ferry resuming its island service.", "wire",
                  date="2025-06-03")
    late = claim("The ferry resumed its island service on Tuesday, port officials said.", "mayor",
                 date="2025-06-09")
    assert Judge.kind(early, late) == "later contradicted"
    assert Judge.kind(late, early) == "later contradicted"
    assert judge.features(early, late, 0.7)["pending"] == 1.0
    # the other way round in time it is an ordinary contradiction (a promise, then no sign of it)
    promise = claim("The ferry will resume its island service on Monday.", "mayor", date="2025-06-01")
    assert Judge.kind(promise, early) == "contradiction"


def test_verdict_confidence_is_a_probability_and_kind_is_set(judge):
    a = claim("The commission said voting opened on May 4.", "commission", date="2025-05-04")
    b = claim("The commission said voting opened on May 11.", "commission", date="2025-05-20", doc="later.md")
    v = judge.judge(a, b, similarity=0.9, use_llm=False)
    assert 0.0 <= v.score <= 1.0 and v.kind == "changed position" and v.features["num_conflict"] == 1.0
