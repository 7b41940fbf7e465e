"""Which disputes an answer's citations are part of (`retrieval/answers/contested.py`): pure logic over
the real dataclasses, with fresh sentences."""
from __future__ import annotations

from retrieval.answers.contested import contested
from retrieval.models import Citation, Dispute, DisputeSide
from retrieval.vocab import DisputeKind, DisputeStatus

DAM = "The spillway gates at the Tarn dam were opened on Friday. The council says they stayed shut."


def cite(n: int, quote: str, doc: str = "dam.md", speaker: str = "utility") -> Citation:
    start = DAM.index(quote) if doc == "dam.md" else 0
    return Citation(n=n, source=speaker, speaker=speaker, doc=doc, title="Dam", quote=quote, start=start,
                    end=start + len(quote), date="2031-05-02")


OPENED = "The spillway gates at the Tarn dam were opened on Friday."
SHUT = "The council says they stayed shut."


def dispute(did: str, confidence: float, status=DisputeStatus.POSSIBLE, quotes=(OPENED, SHUT)) -> Dispute:
    sides = [DisputeSide("utility", 1, [cite(0, quotes[0])]),
             DisputeSide("council", 2, [cite(0, quotes[1], speaker="council")])]
    return Dispute(did, "Were the spillway gates opened?", DisputeKind.CONTRADICTION, confidence, status,
                   "2031-05-02", "2031-05-02", sides, ["p1"])


def test_a_citation_overlapping_a_side_names_its_dispute():
    answer_cites = [cite(1, "The spillway gates at the Tarn dam were opened"), cite(2, "Other text", doc="b.md")]
    [c] = contested(answer_cites, [dispute("d-1", 0.5)], 0.5)
    assert (c.id, c.cited, c.status, c.headline) == ("d-1", [1], "possible", "Were the spillway gates opened?")
    assert [(q.speaker, q.quote) for q in c.against] == [("council", SHUT)]  # what the other side says
    assert DAM[c.against[0].start:c.against[0].end] == SHUT  # verbatim
    assert c.to_dict()["against"][0]["quote"] == SHUT and "n" not in c.to_dict()["against"][0]


def test_quoting_both_sides_names_the_dispute_with_nothing_against():
    [c] = contested([cite(1, OPENED), cite(2, SHUT)], [dispute("d-1", 0.9)], 0.5)
    assert c.cited == [1, 2] and c.against == []


def test_same_offsets_in_another_document_do_not_count():
    other = Citation(n=1, source="x", speaker="x", doc="other.md", title="", quote=OPENED, start=0,
                     end=len(OPENED))
    assert contested([other], [dispute("d-1", 0.9)], 0.5) == []


def test_dismissed_and_weak_disputes_are_left_out():
    cites = [cite(1, OPENED), cite(2, SHUT)]
    found = contested(cites, [dispute("d-weak", 0.13), dispute("d-gone", 0.9, DisputeStatus.DISMISSED),
                              dispute("d-ok", 0.87, DisputeStatus.POSTED)], 0.5)
    assert [(c.id, c.cited) for c in found] == [("d-ok", [1, 2])]
    assert [c.id for c in contested(cites, [dispute("d-weak", 0.13)], 0.1)] == ["d-weak"]


def test_strongest_first_and_at_most_three():
    cites = [cite(1, OPENED)]
    found = contested(cites, [dispute(f"d-{i}", 0.5 + i / 10) for i in range(5)], 0.5)
    assert [c.id for c in found] == ["d-4", "d-3", "d-2"]
