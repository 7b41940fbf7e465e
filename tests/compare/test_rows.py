"""Row grouping (`align.components`) on link-score matrices: a hub sentence of one side that many
claims of the other resemble makes one row of its strongest links, not a whole topic's dump."""
import numpy as np

from retrieval.compare.align import ROW_MOST, components


def test_a_hub_sentence_takes_only_its_strongest_links():
    # five A claims whose best B claim is the same hub (B0); B1 is close to none of them
    sims = np.array([[0.90, 0.1], [0.62, 0.1], [0.80, 0.2], [0.58, 0.1], [0.70, 0.1]])
    [(ia, ib)] = components(sims, match=0.55)
    assert ib == [0] and len(ia) == ROW_MOST == 3
    assert ia == [0, 2, 4]  # the three strongest; claims 1 and 3 stay their side's own


def test_separate_points_stay_separate_rows_and_unlinked_b_claims_join_within_the_cap():
    sims = np.array([[0.90, 0.2, 0.60], [0.1, 0.85, 0.2]])
    groups = sorted(components(sims, match=0.55))
    assert groups == [([0], [0, 2]), ([1], [1])]
    assert components(np.array([[0.5, 0.4]]), match=0.55) == []


def test_words_an_alias_writes_in_lower_case_stay_topic_words():
    """Source names never link two claims, but the common nouns inside an alias do: with
    "Ukraine's energy ministry" registered, "energy" is still what two statements can share."""
    from types import SimpleNamespace

    from retrieval.compare.briefing import _name_stems
    from retrieval.corpus.sources import SourceRegistry
    from retrieval.text import stem

    registry = SourceRegistry.parse("sources:\n  kyiv-energy:\n    name: Ukraine's Energy Ministry\n"
                                    "    aliases: [Ukraine's energy ministry, Herman Halushchenko]\n")
    names = _name_stems(SimpleNamespace(registry=registry))
    assert {stem("Ukraine"), stem("Halushchenko")} <= names
    assert not {stem("energy"), stem("ministry")} & names
