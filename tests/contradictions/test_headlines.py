"""Dispute headlines: what the model writes is checked (one line, a question, length, shared words, no
markup) and replaced by a template from the claims' shared words otherwise. Deterministic: a scripted
model stands in for the real one (tests/contradictions/test_headlines_llm.py uses the real one)."""
from __future__ import annotations

import re

import pytest

from retrieval.contradictions.headlines import (
    MAX_CHARS, check_headline, headline, shared_terms, statements_text, template_headline,
)
from retrieval.llm import ChatModel
from retrieval.llm.prompts import load_prompt

CLAIMS = ["Putin ordered the army to stop all strikes on Ukrainian energy facilities from 18 March.",
          "Russian drones hit a power station in Sloviansk on the night of 19 March."]
SIDE1 = [("The Kremlin", "2025-03-18", CLAIMS[0])]
SIDE2 = [("Volodymyr Zelenskyy", "2025-03-20", CLAIMS[1])]


class Scripted(ChatModel):
    model = "scripted"

    def __init__(self, reply: str) -> None:
        self.reply, self.calls = reply, []

    def chat(self, messages, *, max_tokens=None, temperature=0.0, stop=None, on_token=None, timeout=None):
        self.calls.append(messages)
        return self.reply

    def label_probabilities(self, messages, labels, timeout=None):
        raise NotImplementedError

    def health(self):
        return True

    def close(self):
        pass


@pytest.mark.parametrize("text", [
    "Did Russia halt strikes on energy facilities after 18 March?",
    '"Did Russia halt strikes on energy facilities after 18 March?"',  # outer quotes are tidied away
    "Question: Did Russia halt strikes on energy facilities after 18 March?",
    "  Did Russia halt strikes on energy   facilities after 18 March?  ",
])
def test_good_headlines_pass_and_are_tidied(text):
    assert check_headline(text, CLAIMS) == "Did Russia halt strikes on energy facilities after 18 March?"


@pytest.mark.parametrize("text, why", [
    ("Did Russia halt strikes on energy facilities?\nYes.", "two lines"),
    ("Russia halted strikes on energy facilities.", "not a question"),
    ("Did Russia halt strikes? Or energy facilities?", "two questions"),
    ("Did Russia halt strikes on energy facilities " + "and more " * 20 + "?", "too long"),
    ("Energy?", "too short"),
    ("Is the weather in Paris nice today?", "shares no words with the claims"),
    ("Did **Russia** halt strikes on energy facilities?", "markdown"),
    ("Did @everyone halt strikes on energy facilities?", "a mention"),
    ("Does side 1 contradict side 2 on energy strikes?", "talks about the sides"),
    ("did Russia halt strikes on energy facilities?", "no capital"),
    ("", "empty"),
    (None, "nothing"),
])
def test_bad_headlines_are_rejected(text, why):
    assert check_headline(text, CLAIMS) is None, why


def test_template_headlines_use_shared_words_and_pass_the_checks():
    for kind in ("contradiction", "changed position", "later contradicted"):
        line = template_headline(kind, SIDE1, SIDE2)
        assert check_headline(line, CLAIMS) == line, (kind, line)
        assert len(line) <= MAX_CHARS
    assert template_headline("contradiction", SIDE1, SIDE2).startswith("Who is right about")
    assert "Kremlin" in template_headline("changed position", SIDE1, SIDE1)
    assert shared_terms([CLAIMS[0]], [CLAIMS[1]]) == ["March", "facilities"]  # padded to two
    assert shared_terms(["Russian strikes on energy"], ["Russia halted strikes on energy"]) == ["strikes", "energy"]
    long_names = [("A very long name of an official body (with a gloss) " * 3, None, CLAIMS[0])]
    assert len(template_headline("contradiction", long_names, SIDE2)) <= MAX_CHARS


def test_the_model_headline_is_used_only_when_it_passes():
    good = Scripted("Did Russia halt strikes on energy facilities after 18 March?")
    assert headline("contradiction", SIDE1, SIDE2, good) == (good.reply, "model")
    user = good.calls[0][-1]["content"]
    assert "Kind: contradiction" in user and 'Side 1, The Kremlin (2025-03-18): "Putin ordered' in user

    for bad in ("Sure! Here is a question about the dispute:", "What is love?", "Did **Russia** strike?"):
        line, source = headline("contradiction", SIDE1, SIDE2, Scripted(bad))
        assert source == "template" and check_headline(line, CLAIMS) == line
    assert headline("contradiction", SIDE1, SIDE2, None)[1] == "template"


def test_a_model_headline_may_not_borrow_words_from_the_prompts_examples():
    """A small model copies its worked examples: a headline naming what only an example names is made up.
    The same words are fine when the claims use them."""
    side1 = [("Regional water board", "2031-04-03", "Engineers opened the spillway gates of the Tarn dam on "
                                                    "Friday to relieve pressure.")]
    side2 = [("Valley residents' group", "2031-04-05", "The water board denied that any spillway gate at "
                                                       "the Tarn dam had been opened before Sunday.")]
    copied = Scripted("Did workers leave the plant when the Tarn dam gates opened?")  # plant, workers: examples'
    line, source = headline("contradiction", side1, side2, copied)
    assert source == "template" and "plant" not in line, line
    fine = Scripted("Were the spillway gates of the Tarn dam opened before Sunday?")
    assert headline("contradiction", side1, side2, fine) == (fine.reply, "model")
    side3 = [("Plant operator", "2031-04-06", "No worker has left the Tarn pumping plant since the "
                                              "spillway gates were opened.")]
    reused = Scripted("Have workers left the Tarn pumping plant since the spillway gates opened?")
    assert headline("contradiction", side1, side3, reused) == (reused.reply, "model")


def test_prompt_and_statements():
    prompt = load_prompt("dispute_headline", frozenset({"kind", "statements"}))
    assert prompt.messages[0][0] == "system"
    text = statements_text(SIDE1 * 3, SIDE2)
    assert text.count("Side 1,") == 2 and text.count("Side 2,") == 1  # at most two claims a side


def test_a_template_headline_is_about_what_is_disputed_not_who_disputes_it():
    side1 = [("Lena Holt (harbour master)", "2031-05-02", "Harbour master Lena Holt said the ferry left on Friday.")]
    side2 = [("Lena Holt (harbour master)", "2031-05-09", "Lena Holt, the harbour master, said the ferry "
                                                           "left on Sunday.")]
    line = template_headline("changed position", side1, side2)
    assert "ferry" in line and "harbour" not in line.split(" of ", 1)[1], line
    assert check_headline(line, [side1[0][2], side2[0][2]]) == line


def test_a_template_headline_keeps_a_shared_name_whole_and_skips_clause_words():
    side1 = [("Harbour office", "2031-05-02", "Since the storm, the Harlow Bridge Authority has kept the east "
                                             "lane closed to lorries.")]
    side2 = [("Hauliers' union", "2031-05-03", "Since Tuesday, lorries have used the east lane, whether or not "
                                               "the Harlow Bridge Authority approves.")]
    line = template_headline("contradiction", side1, side2)
    assert "Harlow Bridge Authority" in line, line
    assert "Since" not in line and "whether" not in line, line
    assert check_headline(line, [side1[0][2], side2[0][2]]) == line


def test_a_template_headline_drops_long_names_before_it_drops_the_topic():
    long1 = [("Directorate-General for Inland Waterways, Ports and Maritime Navigation Safety", None,
              "The Harlow Bridge Authority closed the east lane on Monday.")]
    long2 = [("Federation of Independent Road Haulage and Logistics Operators of the Northern Region", None,
              "The Harlow Bridge Authority never closed the east lane.")]
    line = template_headline("contradiction", long1, long2)
    assert line.startswith("Who is right about") and "Harlow Bridge Authority" in line, line
    assert "Directorate" not in line and len(line) <= MAX_CHARS


def test_a_template_headline_ignores_a_claim_found_on_both_sides():
    hub = ("Mill owners", "2031-09-03", "The mill owners, who have denied any spill since August, dismissed the "
                                        "river survey as a second smear campaign by the council.")
    side1 = [hub, ("River trust", "2031-09-01", "Dye from the mill turned the river red below the weir.")]
    side2 = [("Council", "2031-09-02", "The council's river survey found dye from the mill below the weir."), hub]
    line = template_headline("contradiction", side1, side2)
    assert "second" not in line and "smear" not in line and "dismissed" not in line, line
    assert "weir" in line or "mill" in line, line
    assert check_headline(line, [c[2] for c in side1 + side2]) == line


def test_a_template_headline_names_a_phrase_two_claims_share_once():
    side1 = [("Coast office", "2031-06-01", "The trawler sank near Skerry Point after a collision."),
             ("Coast office", "2031-06-02", "Divers found the wreck near Skerry Point on Tuesday.")]
    side2 = [("Fishing union", "2031-06-03", "The union said the trawler was towed away and never sank near "
                                             "Skerry Point.")]
    line = template_headline("contradiction", side1, side2)
    assert line.count("Skerry Point") == 1, line


def test_a_template_headline_names_at_most_two_topics_and_no_bare_acts():
    """A list of four words ("shot down over, land at Varn and made") reads as noise: a template
    headline names at most two topics, none starting or ending with a particle, a light verb or a
    lowercase past form, and drops possessives; a capitalised word is part of a name ("Porton Down")."""
    side1 = [("Coast office", "2031-07-01", "The survey plane was forced down over the Varn estuary and made "
                                           "to land at Kell Field, the agency's statement said.")]
    side2 = [("Air ministry", "2031-07-02", "The agency's survey plane was never forced down over the Varn "
                                           "estuary; it chose to land at Kell Field and was made welcome.")]
    line = template_headline("contradiction", side1, side2)
    about = line.split(" about ", 1)[1].split(":")[0]
    assert about.count(",") == 0 and about.count(" and ") <= 1, line
    assert not re.search(r"\b(?:down|over|made|forced)$|^(?:down|over|made|forced)\b", about), line
    assert "agency's" not in line and check_headline(line, [side1[0][2], side2[0][2]]) == line
    hull = [("Dock board", None, "The ferry had most likely struck the pier before it sank, divers said.")]
    crew = [("Crew union", None, "The ferry had most likely been holed by a mine, not by the pier.")]
    assert "likely" not in template_headline("contradiction", hull, crew)
    hill = [("Hill office", None, "Samples were taken at Porton Down on Monday.")]
    lab = [("Lab union", None, "No samples were ever taken at Porton Down.")]
    assert "Porton Down" in template_headline("contradiction", hill, lab)
