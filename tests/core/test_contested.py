"""Which disputes an answer's citations are part of (`retrieval/answers/contested.py`): pure logic over
the real dataclasses, with fresh sentences."""
from __future__ import annotations

from retrieval.answers.contested import contested
from retrieval.models import Citation, Contradiction, Dispute, DisputeSide
from retrieval.vocab import DisputeKind, DisputeStatus, PairStatus

DAM = ("The spillway gates at the Tarn dam were opened on Friday. The council says they stayed shut. "
       "The utility says the reservoir is at a record level. Engineers measured it well below the record.")
OPENED = "The spillway gates at the Tarn dam were opened on Friday."
SHUT = "The council says they stayed shut."
RECORD = "The utility says the reservoir is at a record level."
BELOW = "Engineers measured it well below the record."


def cite(n: int, quote: str, speaker: str = "utility", doc: str = "dam.md") -> Citation:
    start = DAM.index(quote) if doc == "dam.md" else 0
    return Citation(n=n, source=speaker, speaker=speaker, doc=doc, title="Dam", quote=quote, start=start,
                    end=start + len(quote), date="2031-05-02")


def pair(pid: str, a: str, b: str, dispute: str, score: float = 0.9, status=PairStatus.NEW) -> Contradiction:
    return Contradiction(pid, score, "", status, "2031-05-02", cite(0, a), cite(0, b, "council"),
                         dispute=dispute)


def dispute(did: str, confidence: float, status=DisputeStatus.POSSIBLE) -> Dispute:
    sides = [DisputeSide("utility", 1, [cite(0, OPENED), cite(0, RECORD)]),
             DisputeSide("council", 2, [cite(0, SHUT, "council"), cite(0, BELOW, "council")])]
    return Dispute(did, "Were the spillway gates opened?", DisputeKind.CONTRADICTION, confidence, status,
                   "2031-05-02", "2031-05-02", sides, ["p1", "p2"])


# one dispute holding two points: the gates (p1) and the reservoir's level (p2)
PAIRS = [pair("p1", OPENED, SHUT, "d-1", 0.8), pair("p2", RECORD, BELOW, "d-1", 0.95)]


def test_a_quoted_claim_names_its_dispute_and_its_own_pair_partner():
    answer_cites = [cite(1, "The spillway gates at the Tarn dam were opened"), cite(2, "Other", doc="b.md")]
    [c] = contested(answer_cites, [dispute("d-1", 0.5)], PAIRS, 0.5)
    assert (c.id, c.cited, c.status, c.headline) == ("d-1", [1], "possible", "Were the spillway gates opened?")
    # what the pair opposes to the quote, not the dispute's other point (the reservoir, a stronger pair)
    assert [(q.speaker, q.quote) for q in c.against] == [("council", SHUT)]
    assert DAM[c.against[0].start:c.against[0].end] == SHUT  # verbatim
    assert c.to_dict()["against"][0]["quote"] == SHUT and "n" not in c.to_dict()["against"][0]


def test_same_offsets_in_another_document_do_not_count():
    other = Citation(n=1, source="x", speaker="x", doc="other.md", title="", quote=OPENED, start=0,
                     end=len(OPENED))
    assert contested([other], [dispute("d-1", 0.9)], PAIRS, 0.5) == []


def test_quoting_both_claims_of_a_pair_names_the_dispute_with_nothing_against():
    [c] = contested([cite(1, OPENED), cite(2, SHUT, "council")], [dispute("d-1", 0.9)], PAIRS, 0.5)
    assert c.cited == [1, 2] and c.against == []


def test_dismissed_and_weak_disputes_and_dismissed_pairs_are_left_out():
    cites = [cite(1, OPENED)]
    pairs = PAIRS + [pair("p3", OPENED, SHUT, "d-gone"), pair("p4", OPENED, SHUT, "d-weak"),
                     pair("p5", OPENED, SHUT, "d-ok"), pair("p6", OPENED, BELOW, "d-ok", status=PairStatus.DISMISSED)]
    found = contested(cites, [dispute("d-weak", 0.13), dispute("d-gone", 0.9, DisputeStatus.DISMISSED),
                              dispute("d-ok", 0.87, DisputeStatus.POSTED)], pairs, 0.5)
    assert [(c.id, c.cited, [q.quote for q in c.against]) for c in found] == [("d-ok", [1], [SHUT])]
    assert [c.id for c in contested(cites, [dispute("d-weak", 0.13)], pairs, 0.1)] == ["d-weak"]


def test_strongest_first_and_at_most_three():
    pairs = [pair(f"p{i}", OPENED, SHUT, f"d-{i}") for i in range(5)]
    found = contested([cite(1, OPENED)], [dispute(f"d-{i}", 0.5 + i / 10) for i in range(5)], pairs, 0.5)
    assert [c.id for c in found] == ["d-4", "d-3", "d-2"]
