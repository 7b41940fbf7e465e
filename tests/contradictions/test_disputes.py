"""Disputes on a real SQLite ledger with the real MiniLM embedder: pairs about one point form one
dispute, a new pair joins it (new evidence, not a new digest item), two points between the same two
speakers stay apart, a changed position on the same point joins it, dismissal covers every pair and
sticks, confidence (by independent evidence) and `possible`."""
from __future__ import annotations

import pytest

from retrieval.contradictions.confidence import class_confidence
from retrieval.contradictions.disputes import DisputeBook
from retrieval.contradictions.grouping import parties_swapped, party_order
from retrieval.contradictions.ledger import Ledger, pair_id
from retrieval.errors import NotFoundError
from retrieval.index.embeddings import MiniLMEmbedding
from retrieval.models import Claim


def claim(doc: str, text: str, speaker: str, date: str, start: int = 0) -> Claim:
    return Claim(id=f"{doc}:{start}", passage_id=f"{doc}:p", doc=doc, source="news", speaker=speaker,
                 title=f"Title of {doc}", start=start, end=start + len(text), text=text, date=date)


# One point: did Russia stop striking Ukraine's energy facilities after the 18 March call?
HALT = claim("kremlin.md", "Putin ordered the army to stop all strikes on Ukrainian energy facilities from 18 March.",
             "kremlin", "2025-03-18")
HALT2 = claim("kremlin-2.md", "Russian forces have not struck any Ukrainian energy facility since the order, "
              "the Kremlin said.", "kremlin", "2025-03-21", 100)
STRIKES = [
    claim("zelenskyy.md", "Russian drones hit a power station in Sloviansk on the night of 19 March.",
          "zelenskyy", "2025-03-20"),
    claim("zelenskyy.md", "Overnight, Russian missiles struck the energy grid in the Dnipro region.",
          "zelenskyy", "2025-03-20", 200),
    claim("local.md", "Local officials said a Russian strike damaged a substation in Kherson on 20 March.",
          "local-reports", "2025-03-21"),
    claim("news.md", "Russia bombed Ukrainian energy infrastructure hours after promising to halt such attacks.",
          "news", "2025-03-19"),
]
FIVE = [(HALT, STRIKES[0]), (HALT, STRIKES[1]), (HALT2, STRIKES[0]), (HALT, STRIKES[2]), (HALT2, STRIKES[3])]
LATER = claim("news-2.md", "A Russian drone strike cut power to a thermal plant in Kharkiv on 22 March.",
              "news", "2025-03-23")

# Same two speakers, other points.
SWAP_K = claim("kremlin-3.md", "The Kremlin said 175 Ukrainian prisoners of war will be handed over on Wednesday.",
               "kremlin", "2025-03-18", 300)
SWAP_Z = claim("zelenskyy-2.md", "Only 120 of our prisoners of war came home in Wednesday's exchange.",
               "zelenskyy", "2025-03-20", 400)
# Who struck whom: the same words with the parties swapped is another dispute.
RU_DENY = claim("kremlin-4.md", "Russian forces have not struck Ukrainian energy facilities since 18 March.",
                "kremlin", "2025-03-21", 500)
RU_DID = claim("zelenskyy-3.md", "Russian forces struck Ukrainian energy facilities in Sumy on 20 March.",
               "zelenskyy", "2025-03-21", 600)
UA_DID = claim("kremlin-5.md", "Ukrainian forces struck Russian energy facilities in Kursk on 20 March.",
               "kremlin", "2025-03-21", 700)
UA_DENY = claim("zelenskyy-4.md", "Ukrainian forces have not struck Russian energy facilities since 18 March.",
                "zelenskyy", "2025-03-21", 800)


@pytest.fixture(scope="module")
def embed():
    return MiniLMEmbedding().embed


@pytest.fixture
def ledger(tmp_path):
    led = Ledger(tmp_path / "analyst.sqlite3")
    yield led
    led.close()


@pytest.fixture
def book(ledger):
    return DisputeBook(ledger, min_confidence=0.8)


def record(ledger, pairs, score=0.9, kind="contradiction"):
    for a, b in pairs:
        ledger.record(a, b, score, f"{a.speaker} vs {b.speaker}", kind=kind)
    return [pair_id(a, b) for a, b in pairs]


def test_five_pairs_about_one_point_are_one_dispute(ledger, book, embed):
    ids = record(ledger, FIVE)
    created = book.update(embed)
    assert len(created) == 1
    [d] = book.list("all")
    assert d.id == created[0] and d.id.startswith("d-") and sorted(d.pairs) == sorted(ids)
    assert d.status == "new" and d.kind == "contradiction" and d.strength == 0.9
    # two of the five pairs share no claim (HALT / Sloviansk, HALT2 / Dnipro): corroborated
    assert d.evidence == "corroborated" and d.confidence == class_confidence()["corroborated"]
    assert d.headline.endswith("?")
    sides = sorted((sorted(d.speakers(1)), sorted(d.speakers(2))))
    assert sides == [["kremlin"], ["local-reports", "news", "zelenskyy"]]  # each speaker on its side
    quotes = {c.quote for s in d.sides for c in s.citations}
    assert quotes == {HALT.text, HALT2.text} | {c.text for c in STRIKES}  # verbatim, each claim once
    assert book.list("new") == [d] and book.list("possible") == []
    assert book.dispute_of(ids) == {i: d.id for i in ids}
    # its key pairs: the two independent ones its class counts, each the Kremlin's claim against a strike
    assert len(d.points) == 2 and {p.pair for p in d.points} <= set(ids)
    side = {c.quote: s.side for s in d.sides for c in s.citations}
    assert all(side[p.a.quote] == 1 and side[p.b.quote] == 2 for p in d.points)  # side 1's claim first
    assert all(sorted([p.a.speaker == "kremlin", p.b.speaker == "kremlin"]) == [False, True] for p in d.points)
    assert len({p.a.quote for p in d.points}) == 2 and len({p.b.quote for p in d.points}) == 2
    point = d.to_dict()["points"][0]
    assert {point["a"]["quote"], point["b"]["quote"]} & {HALT.text, HALT2.text} and point["score"] == 0.9


def test_a_new_pair_joins_the_dispute_as_new_evidence_not_a_new_item(ledger, book, embed):
    record(ledger, FIVE)
    [gid] = book.update(embed)
    assert book.mark_posted([gid]) == [gid]
    ledger.db.execute("UPDATE disputes_items SET first_seen='2025-01-01T00:00:00Z', "
                      "last_seen='2025-01-01T00:00:00Z' WHERE id=?", (gid,))
    ledger.db.commit()

    [new_pair] = record(ledger, [(HALT, LATER)], score=0.95)
    assert book.update(embed) == []  # joined, nothing created
    d = book.get(gid)
    assert new_pair in d.pairs and len(d.pairs) == 6
    assert d.first_seen == "2025-01-01T00:00:00Z" and d.last_seen > d.first_seen
    assert d.status == "posted" and d.new_evidence and d.strength == 0.95
    assert book.list("new") == []  # not a new digest item
    assert [x.id for x in book.new_evidence()] == [gid]
    book.mark_posted([gid])  # the digest mentioned it
    assert not book.get(gid).new_evidence and ledger.get(new_pair).status == "posted"


def test_two_points_between_the_same_speakers_stay_two_disputes(ledger, book, embed):
    record(ledger, [(HALT, STRIKES[0]), (SWAP_K, SWAP_Z)])
    record(ledger, [(RU_DENY, RU_DID), (UA_DID, UA_DENY)])
    book.update(embed)
    disputes = book.list("all")
    by_pair = {p: d.id for d in disputes for p in d.pairs}
    assert by_pair[pair_id(SWAP_K, SWAP_Z)] != by_pair[pair_id(HALT, STRIKES[0])]
    assert by_pair[pair_id(RU_DENY, RU_DID)] != by_pair[pair_id(UA_DID, UA_DENY)]  # who struck whom
    assert len({by_pair[pair_id(SWAP_K, SWAP_Z)], by_pair[pair_id(HALT, STRIKES[0])],
                by_pair[pair_id(UA_DID, UA_DENY)]}) == 3


def test_party_order_reads_who_did_what_to_whom():
    assert party_order(RU_DID.text)[:2] == ("russ", "ukra")
    assert party_order(UA_DID.text)[:2] == ("ukra", "russ")
    assert party_order("Russia's defence ministry said it had recorded Ukrainian strikes on Russian "
                       "energy facilities.")[:2] == ("ukra", "russ")  # the attribution is not a party
    assert party_order("Ukrainian strikes on Russian energy continued, Moscow said.")[:2] == ("ukra", "russ")
    assert party_order("The depots were struck by Russia, Ukrainian officials say.")[0] == "russ"
    assert parties_swapped(party_order(RU_DENY.text), party_order(UA_DENY.text))
    assert not parties_swapped(party_order(RU_DENY.text), party_order(RU_DID.text))


RESUMED = claim("kremlin-6.md", "Russian forces resumed strikes on Ukrainian energy facilities on 1 April, the "
               "Kremlin said, as the moratorium had expired.", "kremlin", "2025-04-01", 900)
SWAP_K_LATER = claim("kremlin-7.md", "The Kremlin said the exchange had been postponed and no prisoners would be "
                     "handed over this week.", "kremlin", "2025-03-25", 950)


def test_a_changed_position_on_the_same_point_joins_its_dispute(ledger, book, embed):
    """One point often holds a direct conflict and a changed position (the labelled disputes do): the
    kinds share a dispute, which keeps the kind of the pair that started it. Another point of the same
    speaker stays its own dispute, its earlier statement on side 1."""
    [first] = record(ledger, [(HALT, STRIKES[0])])
    [changed] = record(ledger, [(HALT, RESUMED)], kind="changed position")
    record(ledger, [(SWAP_K, SWAP_K_LATER)], kind="changed position")
    book.update(embed)
    disputes = {d.kind: d for d in book.list("all")}
    assert len(book.list("all")) == 2 and set(disputes) == {"contradiction", "changed position"}
    assert sorted(disputes["contradiction"].pairs) == sorted([first, changed])
    other = disputes["changed position"]
    assert [(s.speaker, s.side) for s in other.sides] == [("kremlin", 1), ("kremlin", 2)]
    assert other.sides[0].citations[0].date == "2025-03-18"  # side 1 is the earlier statement


def test_dismissing_a_dispute_dismisses_its_pairs_and_new_evidence_stays_dismissed(ledger, book, embed):
    ids = record(ledger, FIVE)
    [gid] = book.update(embed)
    result = book.dismiss(gid)
    assert result.target == "dispute" and not result.already and result.dispute.status == "dismissed"
    assert {ledger.get(i).status for i in ids} == {"dismissed"}
    assert book.dismiss(gid).already  # a second dismissal says so

    ids += record(ledger, [(HALT, LATER)])  # later evidence on the same point
    assert book.update(embed) == []
    d = book.get(gid)
    assert d.status == "dismissed" and len(d.pairs) == 6 and not d.new_evidence
    assert {ledger.get(i).status for i in ids} == {"dismissed"}
    assert book.list("new") == [] and book.list("possible") == []


def test_dismissing_pairs_one_by_one_dismisses_the_dispute_with_the_last(ledger, book, embed):
    a, b = record(ledger, FIVE[:2])
    [gid] = book.update(embed)
    first = book.dismiss(a)
    assert first.target == "pair" and first.pair.dispute == gid and first.dispute.status == "possible"
    assert first.dispute.pairs == [a, b] or set(first.dispute.pairs) == {a, b}
    last = book.dismiss(b[:8])  # an unambiguous prefix
    assert last.dispute.status == "dismissed"
    assert book.dismiss(gid[2:]).target == "dispute"  # a dispute id typed without "d-"
    with pytest.raises(NotFoundError):
        book.dismiss("d-ffffffff")
    with pytest.raises(NotFoundError):
        book.dismiss("no-such-id")


def test_confidence_below_the_bar_is_possible_and_the_strongest_comes_first(ledger, book, embed):
    rate = class_confidence()
    record(ledger, [(SWAP_K, SWAP_Z)], score=0.55)
    record(ledger, FIVE[:1], score=0.92)
    book.update(embed)
    assert [(d.evidence, d.strength) for d in book.list("all")] == [("single", 0.92), ("weak", 0.55)]
    assert [d.confidence for d in book.list("all")] == [rate["single"], rate["weak"]]
    assert rate["weak"] < rate["single"] < book.min_confidence <= rate["corroborated"]
    assert book.list("new") == [] and len(book.list("possible")) == 2  # one strong pair is not enough
    [swap] = [d for d in book.list("possible") if d.evidence == "weak"]
    record(ledger, [(SWAP_K, claim("zelenskyy-5.md", "Only 120 prisoners of war came home on Wednesday, "
                                   "Zelenskyy said.", "zelenskyy", "2025-03-20", 900))], score=0.85)
    book.update(embed)
    assert book.get(swap.id).evidence == "single"  # a strong pair, sharing the Kremlin's claim: one piece
    record(ledger, [(SWAP_K_LATER, SWAP_Z)], score=0.9)  # independent of it
    book.update(embed)
    lifted = book.get(swap.id)
    assert lifted.evidence == "corroborated" and lifted.status == "new"  # corroborated: over the bar
    assert book.list("all")[0].id == swap.id


def test_pairs_are_listed_by_their_disputes_confidence_not_by_the_judges_score(ledger, book, embed):
    rate = class_confidence()
    lone = record(ledger, FIVE[:1], score=1.0)  # one strong pair: `single`, the judge's top score
    swap = record(ledger, [(SWAP_K, claim("zelenskyy-5.md", "Only 120 prisoners of war came home on Wednesday, "
                                          "Zelenskyy said.", "zelenskyy", "2025-03-20", 900)),
                           (SWAP_K_LATER, SWAP_Z)], score=0.85)  # two independent strong pairs: corroborated
    book.update(embed)
    pairs = book.annotate(ledger.list("all"))
    assert [c.id for c in pairs[:2]] == sorted(swap) and [c.id for c in pairs[2:]] == lone
    assert [c.confidence for c in pairs] == [rate["corroborated"]] * 2 + [rate["single"]]
    assert pairs[0].to_dict()["confidence"] == rate["corroborated"] and pairs[0].to_dict()["dispute"] == pairs[1].dispute


def test_one_claim_opposed_to_many_is_one_piece_of_evidence(ledger, book, embed):
    """A hub: one sentence the model opposes to three others (no two of its pairs independent) stays
    `single`, however strong; a speaker's own statements on two dates never corroborate."""
    record(ledger, [(HALT, s) for s in STRIKES[:3]], score=1.0)
    record(ledger, [(HALT, RESUMED), (HALT2, RESUMED)], score=1.0, kind="changed position")
    book.update(embed)
    [hub] = [d for d in book.list("all") if len(d.pairs) >= 3]
    assert hub.evidence == "single" and hub.status == "possible" and hub.strength == 1.0
    [point] = hub.points  # one piece of evidence, one key pair
    assert {point.a.quote, point.b.quote} & {HALT.text} and point.score == 1.0


def test_pairs_dismissed_or_posted_before_disputes_keep_their_state(ledger, book, embed):
    """Upgrading a data directory: old pairs become disputes without being posted again."""
    dismissed, posted = record(ledger, [(SWAP_K, SWAP_Z), FIVE[0]])
    ledger.set_status(dismissed, "dismissed")
    ledger.mark_posted([posted])
    book.update(embed)
    assert [d.status for d in book.list("all")] and book.list("new") == []
    assert {d.status for d in book.list("all")} == {"dismissed", "posted"}


def test_a_dispute_founded_by_several_posted_pairs_has_no_new_evidence(ledger, book, embed):
    """Pairs posted before disputes existed found one posted dispute; the second founding pair is not
    news (the digest would announce new evidence nobody added)."""
    ids = record(ledger, FIVE[:3])
    ledger.mark_posted(ids)
    book.update(embed)
    [d] = book.list("all")
    assert sorted(d.pairs) == sorted(ids) and d.status == "posted"
    assert not d.new_evidence and book.new_evidence() == []


def test_retired_pairs_hide_their_dispute_until_they_come_back(ledger, book, embed):
    ids = record(ledger, FIVE[:1])
    [gid] = book.update(embed)
    book.dismiss(gid)
    a, b = FIVE[0]
    ledger.replace_claims([a.doc, b.doc], [a])  # b's document changed: b is gone
    assert ledger.retire_stale([b.doc]) == 1
    assert book.list("all") == []
    ledger.record(a, b, 0.9, "again")  # the same claims come back
    assert book.update(embed) == [] and book.get(gid).status == "dismissed"
    assert ledger.get(ids[0]).status == "dismissed"


def test_headlines_from_the_model_are_checked_and_retried_a_bounded_number_of_times(ledger, book, embed):
    from retrieval.errors import LLMUnavailableError

    asked = []

    def bad(kind, side1, side2):
        asked.append(kind)
        return None  # what model_headline returns when the model's line fails the checks

    record(ledger, FIVE[:1])
    [gid] = book.update(embed, bad)
    template = book.get(gid).headline
    assert template.endswith("?") and asked == ["contradiction"]
    book.update(embed, bad)
    book.update(embed, bad)
    assert len(asked) == 2  # asked again once, then left with its template

    def down(kind, side1, side2):
        raise LLMUnavailableError("gone")

    record(ledger, [(SWAP_K, SWAP_Z)])
    [other] = book.update(embed, down)  # the model went away: the template stays, grouping is done
    assert book.get(other).headline.endswith("?")

    def good(kind, side1, side2):
        assert side1 and side2 and all(len(s) == 3 for s in side1 + side2)  # (name, date, text)
        return "Did Ukrainian forces strike Russian energy facilities after 18 March?"

    record(ledger, [(UA_DID, UA_DENY)])
    created = book.update(embed, good)
    assert book.get(created[0]).headline == "Did Ukrainian forces strike Russian energy facilities after 18 March?"
    assert book.get(other).headline.startswith("Did Ukrainian")  # the template one got its second chance
    assert book.get(gid).headline == template



def test_the_model_writes_the_headline_from_the_key_pair_first(ledger, book, embed):
    record(ledger, FIVE)
    record(ledger, [(HALT2, STRIKES[2])], score=0.99)  # the strongest pair: neither claim is its side's earliest
    read = []

    def headliner(kind, side1, side2):
        read.append((side1, side2))
        return None

    [gid] = book.update(embed, headliner)
    d = book.get(gid)
    assert d.points[0].pair == pair_id(HALT2, STRIKES[2])
    [(side1, side2)] = read
    assert side1[0][2] == HALT2.text and side2[0][2] == STRIKES[2].text  # what the model reads first
    assert [s[2] for s in side1[:2]] == [p.a.quote for p in d.points[:2]]
    assert sorted(s[2] for s in side1) == sorted({HALT.text, HALT2.text})  # every claim once, on its side
    assert sorted(s[2] for s in side2) == sorted(c.text for c in STRIKES)
    earliest = [c.quote for s in d.sides if s.side == 1 for c in s.citations][0]
    assert earliest == HALT.text  # the sides list the earliest first: without the key pairs it would lead

# A reply that means only what it points back at: "We never accepted that." says nothing without the
# sentence before it (the other side's claim, quoted in the same statement).
TREATY = claim("ostria.md", "Ostria says the river treaty obliges Velania to remove its border checkpoints.",
               "ostria", "2031-05-02")
TREATY_QUOTED = claim("velania.md", "Ostria says the river treaty obliges Velania to remove its border checkpoints.",
                      "velania", "2031-05-03", 0)
NEVER_THAT = claim("velania.md", "We never accepted that.", "velania", "2031-05-03", 80)
NOT_SIGNED = claim("velania.md", "Removing the checkpoints was not part of what our negotiators signed in March.",
                   "velania", "2031-05-03", 105)


def test_a_reply_pointing_back_is_grouped_by_what_it_points_at(ledger, book, embed):
    """Embedded alone, "We never accepted that." is far from the other reply; with the claim before it in
    its document it is about the checkpoints, and both replies to Ostria's claim make one dispute."""
    ledger.replace_claims(["ostria.md", "velania.md"], [TREATY, TREATY_QUOTED, NEVER_THAT, NOT_SIGNED])
    ids = record(ledger, [(TREATY, NEVER_THAT), (TREATY, NOT_SIGNED)])
    book.update(embed)
    [d] = book.list("all")
    assert sorted(d.pairs) == sorted(ids)
    assert {c.quote for s in d.sides for c in s.citations} == {TREATY.text, NEVER_THAT.text, NOT_SIGNED.text}


def test_two_replies_to_one_statement_worded_far_apart_are_one_dispute(ledger, book, embed):
    """The same pairs with no stored claims (no context to read the pronoun by): the bare reply is far
    from the other reply, so claim by claim they do not match, but both pairs answer one statement and
    as pairs they are close: one dispute."""
    record(ledger, [(TREATY, NEVER_THAT), (TREATY, NOT_SIGNED)])
    book.update(embed)
    [d] = book.list("all")
    assert len(d.pairs) == 2
    sides = {s.side: {c.quote for c in s.citations} for s in d.sides}
    assert sides == {1: {TREATY.text}, 2: {NEVER_THAT.text, NOT_SIGNED.text}}  # the shared claim on one side


# Two answers to one claim, worded apart: a port authority's claim that the harbour reopened, against a
# pilot's account of a ship turned away and a shipping firm's count of vessels still waiting outside.
REOPENED = claim("authority.md", "The port authority said the harbour of Lindmark reopened to all shipping on Tuesday.",
                 "port-authority", "2032-08-03")
TURNED_AWAY = claim("pilots.md", "A grain carrier was turned back at the Lindmark breakwater on Wednesday morning.",
                    "pilots", "2032-08-04")
STILL_WAITING = claim("firm.md", "Forty-one vessels remain anchored outside Lindmark, unable to dock, the firm says.",
                      "shipping-firm", "2032-08-05")
# Another point between other speakers, in the same port: a fee, not whether it is open.
FEE_SET = claim("authority-2.md", "Harbour dues at Lindmark will stay at 2,000 crowns a call this year.",
                "port-authority", "2032-08-06")
FEE_RAISED = claim("firm-2.md", "Lindmark doubled its harbour dues to 4,000 crowns a call in August.",
                   "shipping-firm", "2032-08-07")


def test_answers_to_one_claim_join_and_another_point_stays_apart(ledger, book, embed):
    ids = record(ledger, [(REOPENED, TURNED_AWAY), (REOPENED, STILL_WAITING), (FEE_SET, FEE_RAISED)])
    book.update(embed)
    of = book.dispute_of(ids)
    assert of[ids[0]] == of[ids[1]]  # two answers to the harbour's reopening: one point
    d = book.get(of[ids[0]])
    assert [sorted(d.speakers(1)), sorted(d.speakers(2))] == [["port-authority"], ["pilots", "shipping-firm"]]
    assert of[ids[2]] != of[ids[0]]  # the dues are another point
