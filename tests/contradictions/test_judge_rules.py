"""The judge's rules before any model: which pairs can conflict and of which kind, polarity with denial
verbs and idioms, and the topic gate by meaning as well as by shared words. Fresh invented examples
(a harbour strike, a bridge, a curfew), none from the seed or the development set. The model itself is
a real part elsewhere (tests marked slow); here a recording stand-in answers, and the test says so."""
from __future__ import annotations

from retrieval.contradictions.judge import Judge, conflict_kind
from retrieval.contradictions.stance import opposed, polarity
from retrieval.models import Claim
from retrieval.text import opposite_terms
from retrieval.vocab import DisputeKind


def claim(text: str, speaker: str, date: str | None = "2031-05-02", doc: str | None = None, start: int = 0) -> Claim:
    doc = doc or f"{speaker}-{date}.md"
    return Claim(id=f"{doc}:{start}", passage_id="", doc=doc, source=speaker, speaker=speaker, title=doc,
                 start=start, end=start + len(text), text=text, date=date)


class Recording:
    """Stand-in for the model (no real model in the fast tests): records what reaches it, answers one
    fixed distribution. Only used to see whether the rules let a pair through to the model."""

    model = "recording"

    def __init__(self, p: float = 0.97) -> None:
        self.calls: list = []
        self.p = p

    def label_probabilities(self, messages, labels, timeout=None):
        self.calls.append(messages)
        return {"contradiction": self.p, "agreement": (1 - self.p) / 2, "unrelated": (1 - self.p) / 2}


def test_idioms_do_not_negate_and_denial_verbs_do():
    assert polarity("The port authority said repairs would start without delay.")[0] is False
    assert polarity("Not only the cranes but the rail spur was damaged.")[0] is False
    # an exclusive affirmation asserts what follows "other than"; a bound on a number denies nothing
    assert polarity("The inquiry found no credible explanation other than sabotage by the contractor.")[0] is False
    assert polarity("The port had no choice but to close the eastern quay.")[0] is False
    assert polarity("No more than 40 lorries crossed the bridge on Monday.")[0] is False
    assert not opposed("The inquiry found no credible explanation other than sabotage by the contractor.",
                       "The contractor sabotaged the pumping station, the inquiry concluded.")
    assert polarity("The inquiry found no evidence of sabotage.")[0] is True
    assert polarity("The governor dismissed reports that the bridge had collapsed.")[0] is True
    assert polarity("Officials ruled out any closure of the bridge.")[0] is True
    assert opposed("The governor dismissed reports that the bridge had collapsed.",
                   "The bridge over the Ostra collapsed on Monday morning.")


def test_opposite_words_count_as_opposed_without_a_negation_word():
    assert opposed("The council reopened the market square on Friday.",
                   "The market square stayed closed through Friday, traders said.")


def test_close_to_a_place_is_nearness_not_the_opposite_of_open():
    assert not opposed("The mountain pass was open to lorries on Tuesday.",
                       "The convoy left the pass and came close to the border post before turning back.")
    assert not opposite_terms("The ferry terminal is open.", "The ferry docked closer to the terminal than planned.")
    assert opposite_terms("The ferry terminal is open.", "The ferry terminal was closed to passengers.")


def test_one_speaker_conflicts_only_across_documents_dated_apart():
    a = claim("The harbour strike will end this week.", "union", "2031-05-02")
    same_day = claim("The strike continues at every terminal.", "union", "2031-05-02", doc="union-2.md")
    later = claim("The strike continues at every terminal.", "union", "2031-05-20")
    assert conflict_kind(a, same_day) is None
    assert conflict_kind(a, later) is DisputeKind.CHANGED_POSITION
    assert conflict_kind(a, claim("The strike continues.", "port", "2031-05-02")) is DisputeKind.CONTRADICTION


def test_not_yet_then_a_later_report_is_its_own_kind():
    before = claim("There has so far been no sign of the promised convoy at the border.", "wire", "2031-05-02")
    after = claim("The convoy crossed the border at dawn, the ministry said.", "ministry", "2031-05-04")
    assert conflict_kind(after, before) is DisputeKind.LATER_CONTRADICTED
    # the other way round (a report, then a later "has not happened") is an ordinary conflict
    assert conflict_kind(claim("The convoy has not crossed.", "wire", "2031-05-09"), after) is \
        DisputeKind.CONTRADICTION


def test_changed_position_reaches_the_model_and_is_labelled():
    llm = Recording()
    judge = Judge(llm)
    v = judge.judge(claim("The curfew will not be extended beyond May.", "mayor", "2031-04-28"),
                    claim("The curfew is extended until the end of June.", "mayor", "2031-05-30"), similarity=0.7)
    assert llm.calls and v.label == "contradiction" and v.kind is DisputeKind.CHANGED_POSITION
    assert "changed its account" in v.explanation and "2031-04-28" in v.explanation


def test_one_speaker_in_one_document_never_reaches_the_model():
    llm = Recording()
    v = Judge(llm).judge(claim("The curfew will not be extended.", "mayor", doc="m.md"),
                         claim("The curfew is extended until June.", "mayor", doc="m.md", start=80), similarity=0.7)
    assert v.label == "unrelated" and not llm.calls


def test_close_meaning_passes_the_topic_gate_without_shared_rare_words():
    judge = Judge(Recording(), idf=lambda s: 0.5)  # every shared word common: the word overlap alone fails
    a = claim("No ferry sailed from the island on Sunday.", "operator")
    b = claim("Two ferries left the island's port on Sunday afternoon.", "coastguard")
    assert judge.gate(a, b, similarity=0.3) == "about different things"
    assert judge.gate(a, b, similarity=0.7) is None


def test_stance_is_read_in_its_phrase():
    from retrieval.contradictions.stance import stance

    # the doing word is what a halt stops; an aspect verb takes the stance of what follows it
    assert stance("The mayor ordered the police to halt raids on the market.") == "stop"
    assert stance("The rebels kept observing the truce along the river.") == "stop"
    assert stance("Artillery hit the depot twice overnight.") == "do"
    assert stance("The rebels continued attacks on the depot.") == "do"
    assert opposed("The militia said it was continuing to observe the truce.",
                   "Militia shells hit the north bank during the truce.")
    assert not opposed("The militia halted raids on the bridge.", "The militia stopped shelling the bridge.")


def test_word_forms_share_one_stem():
    from retrieval.contradictions.judge import topic_overlap
    from retrieval.text import stem

    assert stem("missiles") == stem("missile") and stem("strikes") == stem("striking") == stem("strike")
    # two claims about one thing in different word forms overlap on it
    idf = lambda s: 3.0  # noqa: E731
    assert topic_overlap("No missile struck the ferry.", "Two missiles were fired at the ferry.", idf) >= 6.0


def test_a_neighbouring_detail_is_not_an_answer_unless_it_points_back():
    """In one paragraph, a sentence that shares no word with the one before it conflicts with it only by
    pointing back at what was said; a negated detail ("no injuries") is not a denial of the event."""
    llm = Recording()
    judge = Judge(llm, idf=lambda s: 3.0)
    event = claim("A freight train left the rails outside Dunmore late on Friday.", "rail-board", doc="r.md")
    detail = claim("The fire service said nobody was hurt and no wagon caught fire.", "fire-service",
                   doc="r.md", start=70)
    answer = claim("The operator rejected that account.", "operator", doc="r.md", start=70)
    pronoun = claim("The operator said that was untrue.", "operator", doc="r.md", start=70)
    assert judge.gate(event, detail, adjacent=True, similarity=0.1) == "about different things"
    assert judge.judge(event, detail, similarity=0.1, adjacent=True).label == "unrelated" and not llm.calls
    assert judge.gate(event, answer, adjacent=True, similarity=0.1) is None
    assert judge.gate(event, pronoun, adjacent=True, similarity=0.1) is None
    assert judge.gate(event, answer, adjacent=False, similarity=0.1) == "about different things"


def test_pointing_back_is_a_statement_word_or_a_pronoun_for_one():
    from retrieval.contradictions.stance import refers_back

    assert refers_back("We never agreed to that.")
    assert refers_back("Officials dismissed the reports as propaganda.")
    assert refers_back("The ministry denied it on Saturday.")
    assert refers_back("That is simply false, the mayor said.")
    assert refers_back("There is still no sign of such a handover.")  # the thing as described before
    assert not refers_back("Depots such as the one in Arlen were closed.")
    assert not refers_back("Two people were injured in that collision.")  # an event, not what was said
    assert not refers_back("It was not clear who gave the order.")  # "it" standing for nothing said
    assert not refers_back("No survivors were found.")


def test_nobody_and_nowhere_negate():
    """'Nobody' and 'nowhere' are negation words as much as 'no one' and 'never' are."""
    assert polarity("The harbour master said nobody had ordered the ferries to stop.")[0]
    assert polarity("The convoy was nowhere near the border crossing.")[0]
    assert opposed("The harbour master said nobody had ordered the ferries to stop.",
                   "The ministry said it had ordered the ferries to stop on Monday.")
