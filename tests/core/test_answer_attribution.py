"""An asked-about speaker the registry does not know must be named in a cited passage as who speaks,
not only inside what someone else says (fresh invented sentences; no model involved)."""
from __future__ import annotations

import pytest

from retrieval.answers.attribution import named_as_speaker
from retrieval.answers.relevance import speaker_matches

NAMES = ["Kessin", "Yard"]


@pytest.mark.parametrize("text", [
    "The director of the Kessin Yard said on Monday that the hull had been sound when it left the slipway.",
    "The hull was sound when it left the slipway, the Kessin Yard director told reporters.",
    "According to the Kessin Yard, the hull was sound when it left the slipway.",
    "Two welders were questioned. Ona Laar, who runs the Kessin Yard, denied that corners had been cut.",
])
def test_a_name_in_the_subject_of_a_reporting_verb_speaks(text):
    assert named_as_speaker(NAMES, [text])


@pytest.mark.parametrize("text", [
    "He said the fault most probably lay with the welding done at the Kessin Yard.",
    "The hull was weakened by poor welding at the Kessin Yard, the insurer said.",
    "The insurer's report, published on Friday, blames the Kessin Yard for the cracks.",
    # a report verb's form that reports nobody: a noun, an adjective, "the United States"
    "The Kessin Yard shipped two hulls to the United States last year.",
    "Welders at the Kessin Yard were questioned about the alleged cracks.",
])
def test_a_name_inside_what_someone_else_says_does_not(text):
    assert not named_as_speaker(NAMES, [text])


def test_the_asked_speaker_must_speak_in_the_cited_passage():
    def lookup(name):  # a registry that knows no one here
        return None
    asked = "the director of the Kessin Yard"
    claim = "The insurer said the cracks most probably came from poor welding at the Kessin Yard."
    own = "The director of the Kessin Yard said the welding had passed every inspection."
    assert not speaker_matches(asked, ["insurer"], [claim], lookup)
    assert speaker_matches(asked, ["news"], [own], lookup)
