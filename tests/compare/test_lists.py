"""A demand listed under a lead-in ("... only after the following conditions have been met:" and a
bulleted list) is indexed as one passage per item; each item is still the demand of the side that
states it, so an other side that only mentions the same subject does not share its row.
Real Chroma and the real embedder, no LLM; an invented two-government corpus written for this test."""
from __future__ import annotations

import pytest

from tests.conftest import indexed_service


def _doc(source: str, title: str, date: str, *paragraphs: str) -> str:
    """A document with front matter, its paragraphs separated by blank lines."""
    return f"---\nsource: {source}\ntitle: {title}\ndate: {date}\n---\n" + "\n\n".join(paragraphs) + "\n"


NORTH = _doc("northland", "Results of the river talks", "2024-07-01",
             "Northland and Southland agreed to reopen the Millbrook crossing to freight trucks.",
             "The crossing will reopen only after the following conditions have been met:",
             "- the lifting of sanctions on Northland's grain and fish exporters and on the insurers of their cargoes;\n"
             "- the reconnection of Northland's farm bank to the regional payment system.",
             "Both governments will meet again in August.")
SOUTH = _doc("southland", "Ministry statement on the river talks", "2024-07-02",
             "Southland and Northland agreed to reopen the Millbrook crossing to freight trucks.",
             "Southland will help Northland's grain and fish exporters reach foreign markets and lower the cost of "
             "cargo insurance.",
             "Southland will expand access to its payment system for farm banks trading in grain.")
SOURCES = """sources:
  northland: {name: Northland, aliases: [Northland government]}
  southland: {name: Southland, aliases: [Southland government]}
"""


@pytest.fixture(scope="module")
def rivers(tmp_path_factory):
    svc = indexed_service(tmp_path_factory.mktemp("rivers"), {
        "2024-07-01-north.md": NORTH, "2024-07-02-south.md": SOUTH, "sources.yaml": SOURCES})
    yield svc
    svc.close()


def test_items_under_a_condition_lead_in_stay_the_demanding_sides_own(rivers):
    items = [p for p in rivers.store.iter_passages(where={"speaker": "northland"}) if p.text.startswith("the ")]
    assert len(items) == 2  # the index holds each list item as a passage of its own
    res = rivers.compare("northland", "southland")
    for phrase in ("lifting of sanctions on Northland's grain", "reconnection of Northland's farm bank"):
        rows = [r for r in res.rows if any(phrase in c.quote for c in r.a)]
        assert rows and all(r.relation == "only_a" for r in rows), (phrase, [r.relation for r in rows])
    shared = [r for r in res.rows if r.relation in ("agree", "differ", "contradict")]
    assert any("reopen the Millbrook crossing" in c.quote for r in shared for c in r.a)


NORTH_TERMS = _doc("northland", "Northland on the river settlement", "2024-08-01",
                   "Northland and Southland agreed to reopen the Millbrook crossing to freight trucks.",
                   "The Government of Northland said the key condition for a lasting settlement of the river "
                   "dispute would be a complete end to Southland's grain tariffs and border checks.")
SOUTH_TERMS = _doc("southland", "Southland on the river settlement", "2024-08-02",
                   "Southland and Northland agreed to reopen the Millbrook crossing to freight trucks.",
                   "The President of Southland repeated that the shelling of river villages on both sides must "
                   "stop, as the necessary step toward a lasting settlement of the river dispute.")


def test_two_conditions_about_different_things_do_not_share_a_row(tmp_path):
    """Each side names its own condition for one settlement (tariffs and border checks; an end to
    the shelling): two demands, neither addressing the other's."""
    svc = indexed_service(tmp_path, {"2024-08-01-north.md": NORTH_TERMS, "2024-08-02-south.md": SOUTH_TERMS,
                                     "sources.yaml": SOURCES})
    try:
        res = svc.compare("northland", "southland")
    finally:
        svc.close()
    tariffs = [r for r in res.rows if any("grain tariffs and border checks" in c.quote for c in r.a)]
    shelling = [r for r in res.rows if any("shelling of river villages" in c.quote for c in r.b)]
    assert [r.relation for r in tariffs] == ["only_a"] and [r.relation for r in shelling] == ["only_b"], \
        [(r.relation, [c.quote[:40] for c in (*r.a, *r.b)]) for r in res.rows]
