"""Answers judged by their evidence (issue 13, item 1): the cited passages, not the model's wording,
must carry the question's topic; a "how many" / "on what date" question needs a number / a date in
what is quoted; a question about a named day is answered from passages about that day; "Sweden's prime
minister" is not the corpus's prime minister; a speaker's report of someone else's claim is not the
speaker's answer; when the model finds nothing, a retrieved sentence that covers the question on its
own is quoted instead.

A fresh corpus written for these tests (a harbour strike, invented), indexed for real (Chroma, MiniLM);
the model is scripted: it says what the small local model was seen to say on the development set's
trap questions (echoing the question's words over another meeting's passage, citing an undated
sentence for a date, declining when the answer is there)."""
from __future__ import annotations

import pytest

from retrieval.answers.answer import answer_question
from retrieval.answers.context import focus_passages
from retrieval.answers.dates import about_day, asked_day
from retrieval.answers.kinds import DATE, NUMBER, asked_kind, gives
from retrieval.answers.relevance import resolve
from retrieval.models import Hit, Passage
from retrieval.text import tokenize, uses
from tests.conftest import indexed_service
from tests.scripted import Scripted, passage_key

SOURCES = """sources:
  harbour-council:
    name: Harbour Council
    aliases: [the council, Harbour Council, Ilse Brandt, Brandt]
  dockers-union:
    name: Dockers' Union
    aliases: [the union, Dockers' Union, Tomas Vidal, Vidal]
  port-ledger:
    name: Port Ledger (newspaper)
    aliases: [Port Ledger]
  norland-pm:
    name: Prime Minister of Norland
    aliases: [the Prime Minister, Norland's prime minister, Aksel Berg, Berg]
"""
DOCS = {
    "2031-05-03-ledger-lowport.md": ("port-ledger", "Council and union sit down in Lowport", "2031-05-03",
        "Officials of the Harbour Council and the Dockers' Union met in Lowport on Saturday.\n\n"
        "The meeting in Lowport lasted about four hours, and the two sides agreed to restore night shifts "
        "at the container terminal.\n\n"
        "Aksel Berg, the Prime Minister, said the strike was hurting exporters."),
    "2031-05-10-union-fennick.md": ("dockers-union", "Statement of the Dockers' Union after the Fennick talks",
        "2031-05-10",
        "The talks with the shipping lines in Fennick lasted about nine hours.\n\n"
        "The council claims that the strike will end on 20 May. From our side, the strike ends only when "
        "the weekend pilotage guarantee is signed.\n\n"
        "Our members will vote on the offer next week."),
    "2031-05-14-council-curfew.md": ("harbour-council", "Harbour Council decisions", "2031-05-14",
        "The council agreed to extend the harbour curfew to midnight.\n\n"
        "The council will publish the ferry timetable for the summer in June."),
}


def cite(needle: str, sentence: str):
    """A reply: `sentence` citing the passage (by its number in the prompt) that contains `needle`."""
    def reply(prompt: str) -> str:
        return f"{sentence} [{passage_key(prompt, needle)}]."
    return reply


@pytest.fixture(scope="module")
def harbour(tmp_path_factory):
    files = {name: f"---\nsource: {source}\ntitle: \"{title}\"\ndate: {day}\n---\n{body}\n"
             for name, (source, title, day, body) in DOCS.items()}
    svc = indexed_service(tmp_path_factory.mktemp("harbour"), {"sources.yaml": SOURCES, **files}, detect=False)
    yield svc
    svc.close()


def ask(svc, question, reply):
    hits = svc.searcher.search(question, k=svc.settings.top_k)
    return answer_question(question, hits, Scripted(reply), names=svc.registry.display,
                           known_terms=svc.known_terms(), idf=svc.searcher.idf, lookup=svc.registry.lookup,
                           similarity=svc.similarity)


def quotes(answer) -> str:
    return " | ".join(c.quote for c in answer.citations)


def test_question_words_echoed_over_another_meetings_passage_are_not_evidence(harbour):
    a = ask(harbour, "How long did the meeting of the council and the union in Lowport last?",
            cite("nine hours", "The meeting of the council and the union in Lowport lasted about nine hours"))
    assert "nine" not in a.answer
    assert a.grounded and a.mode == "extractive" and "four hours" in quotes(a), a.answer


def test_how_many_needs_a_number_in_what_is_quoted(harbour):
    a = ask(harbour, "How many members voted for the offer?",
            cite("vote on the offer", "The members will vote on the offer next week"))
    assert not a.grounded and not a.citations, a.answer


def test_on_what_date_needs_a_date_in_what_is_quoted(harbour):
    a = ask(harbour, "On what date was the weekend pilotage guarantee signed?",
            cite("pilotage guarantee", "The strike ends only when the weekend pilotage guarantee is signed"))
    assert not a.grounded and not a.citations, a.answer


def test_a_named_day_is_answered_from_passages_about_that_day(harbour):
    a = ask(harbour, "What did the council agree to on 3 May?",
            cite("curfew", "The council agreed to extend the harbour curfew to midnight"))
    assert "curfew" not in a.answer
    assert a.grounded and all(c.doc.startswith("2031-05-03") for c in a.citations), a.answer


def test_a_speakers_report_of_another_sides_claim_is_not_its_answer(harbour):
    a = ask(harbour, "According to the union, when does the strike end?", lambda p: "NOT_FOUND")
    assert a.grounded and "pilotage guarantee" in quotes(a), a.answer
    assert "council claims" not in quotes(a)
    assert "found no answer" in (a.note or "")


def test_model_declining_with_nothing_on_topic_stays_a_refusal(harbour):
    a = ask(harbour, "What did the union say about dredging the outer channel?", lambda p: "NOT_FOUND")
    assert not a.grounded and not a.citations, a.answer


def test_an_unknown_qualifier_keeps_a_title_from_naming_the_corpus_speaker(harbour):
    lookup = harbour.registry.lookup
    assert resolve("the Prime Minister", lookup) == "norland-pm"
    assert resolve("Prime Minister Aksel Berg", lookup) == "norland-pm"
    assert resolve("Sweden's prime minister", lookup) is None
    a = ask(harbour, "What did Sweden's prime minister say about the strike?",
            cite("hurting exporters", "The Prime Minister said the strike was hurting exporters"))
    assert not a.grounded, a.answer


def test_asked_kind_and_what_gives_it():
    assert asked_kind("How many drones were launched?") == NUMBER
    assert asked_kind("At what altitude was contact lost?") == NUMBER
    assert asked_kind("On what date was it signed?") == DATE
    assert asked_kind("In which year did the inquiry end?") == DATE
    assert asked_kind("What did the council agree?") is None
    assert gives(NUMBER, "It lasted about nine hours.") and gives(NUMBER, "Dozens of ships waited.")
    assert not gives(NUMBER, "They met on 24 March.")  # a date is no count
    assert gives(DATE, "They met on 24 March.") and gives(DATE, "It was signed on Friday.")
    assert not gives(DATE, "The ministers may sign it soon.")  # the modal "may" is no month
    assert gives(None, "anything")


def _passage(date: str, text: str) -> Passage:
    return Passage(id="p", doc="d.md", source="s", speaker="s", title="t", date=date, start=0,
                   end=len(text), text=text)


def test_about_day_reads_document_dates_day_names_and_weekdays():
    day = asked_day("What was agreed on 19 March?")
    assert day == (19, 3) and asked_day("What happened in March?") is None
    assert about_day(day, _passage("2025-03-19", "x"), "Talks went on.")
    assert about_day(day, _passage("2025-03-20", "x"), "Talks went on.")  # the next day's news
    assert about_day(day, _passage("2025-03-24", "x"), "On Wednesday, they spoke.")  # 19 March 2025: Wednesday
    assert about_day(day, _passage("2025-04-30", "x"), "The deal of 19 March held.")
    assert not about_day(day, _passage("2025-03-25", "x"), "They agreed to ban strikes.")
    assert not about_day(day, _passage("2025-03-24", "x"), "On Friday, they spoke.")


def test_demonyms_and_compounds_count_as_the_term():
    have = set(tokenize("Iranian authorities and Canadian officials discussed airstrikes"))
    assert all(uses(have, t) for t in tokenize("Iran Canada strike"))
    assert not uses(have, tokenize("Iraq")[0])


def test_narrowing_keeps_the_sentences_that_carry_the_questions_words():
    text = ("Finding four: the port was left open. On the night of the storm, the navy moved ships out of "
            "the bay and closed the naval base. Despite this, the authorities kept the port open to "
            "ferries. Later the council met. The mayor spoke to reporters about the budget.")
    hit = Hit(passage=_passage("2031-01-01", text), score=1.0)
    q = "What was found about the port on the night of the storm?"
    focused = focus_passages(q, [hit], lambda t: 1.0, max_chars=200)[0].passage
    assert "kept the port open" in focused.text and text[focused.start:focused.end] == focused.text


def test_the_pool_is_reordered_by_topic_kind_and_day(harbour):
    from retrieval.answers.rerank import rerank

    idf = harbour.searcher.idf
    q = "How long did the meeting of the council and the union in Lowport last?"
    pool = harbour.searcher.search(q, k=15)
    top = rerank(q, pool, idf, 2)
    assert len(top) == 2 and "four hours" in top[0].passage.text
    q = "What did the council agree to on 3 May?"
    pool = harbour.searcher.search(q, k=15)
    assert "curfew" in pool[0].passage.text  # search alone ranks the later decision first
    assert all(h.passage.doc.startswith("2031-05-03") for h in rerank(q, pool, idf, 2))


def test_a_reply_of_bare_citation_keys_is_no_answer(harbour):
    """The small model once replied "[1], [2], [3], [4], [5]" to a trap question: keys, no words."""
    a = ask(harbour, "What did the council agree to?", lambda p: "[1], [2], [3], [4], [5]")
    assert "[2]" not in a.answer, a.answer
    assert not a.grounded or (a.mode == "extractive" and "cited no passage" in (a.note or "")), a


def test_a_passage_is_described_with_its_date_as_answers_write_it():
    """'On 5 March the port reopened [1]' is supported by the date of a document dated 2031-03-05:
    the day is written without a leading zero, as answers write it."""
    from retrieval.answers.citations import described, support

    p = _passage("2031-03-05", "The harbour master said the port reopened to container ships.")
    assert "5 March 2031" in described(p) and "05 March" not in described(p)
    idf = lambda s: 1.0  # noqa: E731 - every word weighs the same here
    dated = support("On 5 March the port reopened to container ships.", described(p), idf)
    undated = support("On 5 March the port reopened to container ships.", p.text, idf)
    assert dated > undated


def test_according_to_names_the_cited_passages_speaker_not_a_party_in_its_title(harbour):
    """The Lowport article's title names the council and the union; the cited sentence is the Prime
    Minister's. "According to the council" over it is a wrong speaker even though the reader sees the
    council named in the title: it is changed to the passage's speaker."""
    a = ask(harbour, "What was said about exporters during the strike?",
            cite("hurting exporters", "According to the council, the strike was hurting exporters"))
    assert a.grounded and "hurting exporters" in quotes(a), a.answer
    assert "According to the council" not in a.answer
    assert "Prime Minister of Norland" in a.answer, a.answer


def test_a_possessive_after_a_replaced_attribution_keeps_its_owner(harbour):
    """"According to the council, its members said …" over the Prime Minister's sentence: the speaker is
    changed, and "its" (the council's) is not left pointing at the Prime Minister."""
    a = ask(harbour, "What was said about exporters during the strike?",
            cite("hurting exporters", "According to the council, its figures show the strike was hurting exporters"))
    assert a.grounded and "hurting exporters" in quotes(a), a.answer
    assert a.answer.startswith("According to Prime Minister of Norland, the council's figures show"), a.answer


def test_a_dated_according_to_is_replaced_whole(harbour):
    """"According to the passage from Aksel Berg on May 3, 2031, …": when the phrase is replaced by the
    cited passage's speaker, its date goes with it (it once left "According to Prime Minister of
    Norland, 2031, …")."""
    a = ask(harbour, "What was said about exporters during the strike?",
            cite("hurting exporters", "According to the passage from the port on May 3, 2031, the strike was "
                                      "hurting exporters"))
    assert a.grounded and "hurting exporters" in quotes(a), a.answer
    assert a.answer.startswith("According to Prime Minister of Norland, the strike was hurting exporters"), a.answer


@pytest.mark.parametrize("lead", ["According to the passage", "According to the passage from the Prime Minister"])
def test_according_to_the_passage_names_whose_passage_it_is(harbour, lead):
    """A reader in Discord sees no "passage": "According to the passage, …" names its speaker."""
    a = ask(harbour, "What was said about exporters during the strike?",
            cite("hurting exporters", f"{lead}, the strike was hurting exporters"))
    assert a.grounded and "hurting exporters" in quotes(a), a.answer
    assert a.answer.startswith("According to Prime Minister of Norland, the strike was hurting exporters"), a.answer


NAMES = {"ministry": "Ministry of Ports of Norland and its minister, Aksel Berg",
         "ledger": "The Harbour Ledger (weekly newspaper)"}


@pytest.mark.parametrize("sentence, speaker, fixed", [
    # a display name with a comma, copied from the passage header with a day: replaced whole, not cut at the comma
    ("According to the passage from the Ministry of Ports of Norland and its minister, Aksel Berg on June 4, 2031, "
     "the quay was closed [1].", "ministry",
     "According to the Ministry of Ports of Norland and its minister, Aksel Berg, the quay was closed [1]."),
    ("According to Ministry of Ports of Norland and its minister, Aksel Berg, the quay was closed [1].", "ministry",
     "According to Ministry of Ports of Norland and its minister, Aksel Berg, the quay was closed [1]."),
    # the article the answer gave the name stays
    ("According to the Ministry of Ports of Norland and its minister, Aksel Berg, the quay was closed [1].", "ministry",
     "According to the Ministry of Ports of Norland and its minister, Aksel Berg, the quay was closed [1]."),
    # remarks in parentheses are the registry's, not the reader's
    ("The quay was closed, according to the Harbour Ledger (weekly newspaper) [1].", "ledger",
     "The quay was closed, according to the Harbour Ledger [1]."),
    ("According to the passage, the quay was closed [1].", "ledger", "According to the Harbour Ledger, the quay was closed [1]."),
    # the sentence already names the passage's speaker: "According to the passage" goes, not "According to X, X …"
    ("According to the passage, the Harbour Ledger and two other papers were closed [1].", "ledger",
     "The Harbour Ledger and two other papers were closed [1]."),
    # … also by a name the registry knows for it
    ("According to the passage, Aksel Berg ordered the quay closed [1].", "ministry", "Aksel Berg ordered the quay closed [1]."),
    # named, but not as the subject: the lead names whose account it is
    ("According to the passage, the dockers defied Aksel Berg [1].", "ministry",
     "According to Ministry of Ports of Norland and its minister, Aksel Berg, the dockers defied Aksel Berg [1]."),
])
def test_according_to_names_the_cited_speaker_by_its_whole_short_name(sentence, speaker, fixed):
    """Found on held-out documents (u2): "According to Government of the USSR and its head, Nikita
    Khrushchev, Nikita Khrushchev on May 11, 1960, …" and "According to the Baltic Gazette (fictional
    English-language newspaper), …"."""
    from retrieval.answers.relevance import fix_speakers

    lookup = {"Aksel Berg": "ministry", "Berg": "ministry"}.get
    assert fix_speakers(sentence, [speaker], ["The quay was closed."], lookup, NAMES.get) == fixed
