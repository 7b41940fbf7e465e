"""The digest bench's scoring (bench/digest_eval.py `score`): a dispute is real when any of its pairs is
a labelled conflict, and real strictly (`lead`) only when the pair that sets its confidence is."""
from bench.digest_eval import score
from retrieval.models import Citation, Contradiction, Dispute, DisputeSide
from retrieval.vocab import DisputeKind, DisputeStatus, PairStatus

DOC = "2031-04-02-harbour-report.md"  # held out in this test
QUOTES = {
    "closed": "The Ostra bridge has been closed to traffic since Monday.",
    "crossing": "Lorries were seen crossing the Ostra bridge on Tuesday.",
    "repaired": "Engineers repaired the bridge's lighting last year.",
    "weather": "Heavy rain fell across the region on Monday.",
}
LABELLED = [
    {"a": {"doc": "harbour/" + DOC, "quote": QUOTES["closed"]}, "b": {"doc": "harbour/" + DOC, "quote": QUOTES["crossing"]},
     "label": "contradiction", "dispute": "bridge-closed", "split": "evaluation"},
    {"a": {"doc": "harbour/" + DOC, "quote": QUOTES["closed"]}, "b": {"doc": "harbour/" + DOC, "quote": QUOTES["repaired"]},
     "label": "compatible", "dispute": None, "split": "evaluation"},
]


def cite(key: str) -> Citation:
    return Citation(n=0, source="harbour", speaker=key, doc=DOC, title="t", quote=QUOTES[key], start=0, end=1)


def pair(pid: str, a: str, b: str, s: float) -> Contradiction:
    return Contradiction(id=pid, score=s, explanation="x", status=PairStatus("new"), first_seen="2031-04-02",
                         a=cite(a), b=cite(b))


def dispute(did: str, pairs: list[Contradiction]) -> Dispute:
    sides = [DisputeSide("s1", 1, [p.a for p in pairs]), DisputeSide("s2", 2, [p.b for p in pairs])]
    return Dispute(id=did, headline="Is the bridge closed?", kind=DisputeKind.CONTRADICTION,
                   confidence=max(p.score for p in pairs), status=DisputeStatus("new"), first_seen="2031-04-02",
                   last_seen="2031-04-02", sides=sides, pairs=[p.id for p in pairs])


def test_a_dispute_ranked_by_a_false_pair_is_real_but_not_strictly():
    false_lead, real = pair("p1", "closed", "repaired", 1.0), pair("p2", "closed", "crossing", 0.9)
    unlabelled = pair("p3", "closed", "weather", 0.95)
    disputes = [dispute("d-1", [false_lead, real]), dispute("d-2", [unlabelled])]
    rows = {p.id: p for p in (false_lead, real, unlabelled)}
    out = score(disputes, rows, 0.8, LABELLED, {DOC}, "harbour")
    ev = out["evaluation"]
    assert (ev["posted"], ev["posted_real"], ev["posted_unlabelled"]) == (2, 1, 1)
    assert ev["digest_precision"] == 0.5 and ev["digest_precision_lead"] == 0.0
    items = {i["id"]: i for i in out["items"]}
    assert items["d-1"]["verdict"] == "real" and items["d-1"]["lead"] == "false"
    assert items["d-1"]["maps_to"] == ["bridge-closed"] and items["d-2"]["lead"] == "unlabelled"
    assert ev["digest_recall"] == 1.0


def test_the_strict_count_follows_the_strongest_pair():
    real, false_pair = pair("p2", "closed", "crossing", 1.0), pair("p1", "closed", "repaired", 0.85)
    out = score([dispute("d-1", [false_pair, real])], {"p1": false_pair, "p2": real}, 0.8, LABELLED, {DOC}, "harbour")
    assert out["evaluation"]["digest_precision_lead"] == 1.0 and out["items"][0]["lead"] == "real"


def test_disputes_on_calibration_documents_are_scored_apart():
    """With no held-out document, the same dispute counts under `calibration`, never under `evaluation`."""
    calibration = [dict(p, split="calibration") for p in LABELLED]
    real = pair("p2", "closed", "crossing", 0.9)
    out = score([dispute("d-1", [real])], {"p2": real}, 0.8, calibration, set(), "harbour")
    assert out["evaluation"]["posted"] == 0 and out["evaluation"]["labelled_disputes"] == 0
    cal = out["calibration"]
    assert (cal["posted"], cal["posted_real"], cal["digest_recall"]) == (1, 1, 1.0)



def test_possible_disputes_named_in_the_heading_are_counted_apart_from_items():
    real, unlabelled = pair("p2", "closed", "crossing", 0.6), pair("p3", "closed", "weather", 0.3)
    out = score([dispute("d-1", [real]), dispute("d-2", [unlabelled])], {"p2": real, "p3": unlabelled},
                0.8, LABELLED, {DOC}, "harbour")
    ev = out["evaluation"]
    assert ev["posted"] == 0 and ev["digest_recall"] == 0.0  # below the bar: no item
    assert (ev["named"], ev["named_real"], ev["digest_recall_with_named"]) == (1, 1, 1.0)  # 0.3: not named
    item = pair("p4", "repaired", "weather", 0.9)  # an item holding a statement the possible one holds
    out = score([dispute("d-1", [real]), dispute("d-3", [item])], {"p2": real, "p4": item},
                0.8, LABELLED, {DOC}, "harbour")
    assert out["evaluation"]["posted"] == 1 and out["evaluation"]["named"] == 1  # named beside it all the same

def test_groups_as_digest_items_count_repeats_and_hidden_disputes():
    from bench.digest_eval import as_items

    dispute_of = {"p1": "bridge", "p2": "bridge", "p3": "bridge", "p4": "toll", "p5": "ferry"}
    # bridge split over two groups (one repeat); toll merged into bridge's group (hidden); ferry alone
    assigned = {"p1": "g1", "p2": "g1", "p4": "g1", "p3": "g2", "p5": "g3"}
    assert as_items(assigned, dispute_of) == {"groups": 3, "surfaced": 2, "duplicates": 1, "hidden": 1}
    once = {"p1": "g1", "p2": "g1", "p3": "g1", "p4": "g2", "p5": "g3"}
    assert as_items(once, dispute_of) == {"groups": 3, "surfaced": 3, "duplicates": 0, "hidden": 0}
