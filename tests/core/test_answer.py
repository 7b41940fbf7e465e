"""Cited answers without a model: citation mapping, refusals and the extractive fallback.
(The answers of the real local model are in tests/e2e.)"""
from retrieval.answers.answer import as_names, missing_entities, unheard_speaker
from retrieval.answers.citations import resolve_citations, verify_citations
from tests.conftest import SEED_DOC, free_port


def seed_text(corpus_dir):
    return (corpus_dir / SEED_DOC).read_text(encoding="utf-8").split("---\n", 2)[2]


def test_invented_citations_are_stripped_and_renumbered(indexed):
    hits = indexed.search("prisoner exchange", k=3)
    text = "Russia will swap prisoners [3]. It will also hand over soldiers [7][3, 9]. Nothing else [12]."
    cleaned, cites = resolve_citations(text, hits)
    assert cleaned == "Russia will swap prisoners [1]. It will also hand over soldiers [1]. Nothing else."
    assert [c.n for c in cites] == [1]
    assert cites[0].quote == hits[2].passage.text


def test_extractive_answer_quotes_verbatim(make_settings, corpus_dir):
    from retrieval.service import Analyst

    svc = Analyst(make_settings(llm="none"))
    svc.index()
    a = svc.ask("How long was Steve Witkoff reportedly made to wait in Moscow?")
    assert a.mode == "extractive" and a.grounded and a.note
    text = seed_text(corpus_dir)
    assert any("eight hours" in c.quote for c in a.citations)
    for c in a.citations:
        assert text[c.start:c.end] == c.quote and c.doc == SEED_DOC
        assert f"[{c.n}]" in a.answer


def test_extractive_fallback_when_llm_endpoint_is_down(make_settings, corpus_dir):
    from retrieval.service import Analyst

    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    svc = Analyst(make_settings(llm="remote", llm_base_url=url, llm_connect_timeout_s=1, llm_timeout_s=3))
    svc.index()
    a = svc.ask("How many injured Ukrainian servicemen will be handed over?")
    assert a.mode == "extractive" and a.grounded
    assert "unreachable" in (a.note or "").lower()
    assert any("23 injured" in c.quote for c in a.citations)


def test_question_about_absent_entity_is_not_answered(indexed):
    a = indexed.ask("What did the German chancellor say about the phone call?")
    assert a.grounded is False and a.citations == []
    assert "German" in a.answer


def test_missing_entities():
    known = {"kremlin", "trump", "white", "house"}
    assert missing_entities("What did the White House and Macron say?", known) == ["Macron"]
    assert missing_entities("What did Trump say?", known) == []
    assert missing_entities("Which city was hit?", known) == []


def test_a_refusal_names_the_missing_names_as_the_question_wrote_them(indexed):
    question = "What did Emmanuel Macron and Olaf Scholz propose for monitoring the ceasefire?"
    absent = missing_entities(question, indexed.known_terms(), indexed.registry.lookup)
    assert absent == ["Emmanuel", "Macron", "Olaf", "Scholz"]
    assert as_names(question, absent) == "Emmanuel Macron or Olaf Scholz"
    assert indexed.ask(question).answer == ("The indexed documents don't mention Emmanuel Macron or Olaf Scholz, "
                                            "so they can't answer that.")
    assert as_names("Did ICAO, NATO and Scholz meet?", ["ICAO", "NATO", "Scholz"]) == "ICAO, NATO or Scholz"


def test_wrong_citation_number_is_moved_to_the_supporting_passage(indexed):
    q = "How many injured Ukrainian servicemen will Russia hand over?"
    hits = indexed.searcher.search(q, k=5)
    right = next(i for i, h in enumerate(hits, 1) if "23 injured" in h.passage.text)
    wrong = next(i for i in range(1, 6) if i != right)
    text = (f"According to the Kremlin, 23 injured Ukrainian servicemen receiving treatment in Russian "
            f"medical facilities will be handed over [{wrong}]. The weather was pleasant [{right}].")
    fixed = verify_citations(text, hits, indexed.searcher.idf)
    cleaned, cites = resolve_citations(fixed, hits, indexed.searcher.idf)
    assert cleaned.startswith("According to the Kremlin, 23 injured") and cleaned.endswith("handed over [1].")
    assert "weather" not in cleaned  # a sentence no passage supports is removed
    # the quote is narrowed to the supporting sentence of the passage, still verbatim at its offsets
    assert len(cites) == 1 and cites[0].quote.startswith("Additionally, 23 injured")
    assert "175 Russians" not in cites[0].quote
    text = (indexed.settings.corpus_dir / "trump-putin-call-2025-03-18.md").read_text().split("---\n", 2)[2]
    assert text[cites[0].start:cites[0].end] == cites[0].quote


def test_uncited_but_clearly_supported_sentence_gets_its_key(indexed):
    hits = indexed.searcher.search("Witkoff wait Moscow", k=5)
    text = "Steve Witkoff was reportedly made to wait eight hours by Putin in Moscow."
    cleaned, cites = resolve_citations(verify_citations(text, hits, indexed.searcher.idf), hits)
    assert cleaned.endswith("in Moscow [1].") and "eight hours" in cites[0].quote


def test_a_registered_speaker_the_documents_never_name_is_refused(indexed):
    """The registry knows Lavrov and Ukraine's air force, but the seed neither quotes nor names them:
    asked what they said, the bot says the documents don't mention them instead of answering from
    someone else's words; a registered speaker the seed does quote is answered as before."""
    for question, who in [("What did Lavrov say about European peacekeepers?", "Lavrov"),
                          ("What did Ukraine's air force report after the call?", "Ukraine's air force")]:
        a = indexed.ask(question)
        assert not a.grounded and not a.citations, question
        assert a.answer == f"The indexed documents don't mention {who}, so they can't answer that."
    assert not indexed.heard_of("russia-mfa") and indexed.heard_of("zelenskyy")
    assert unheard_speaker("What did Lavrov say?", indexed.registry.lookup, lambda sid: True) is None
    kremlin = indexed.ask("What did the Kremlin say about prisoner exchanges?")
    assert kremlin.grounded and kremlin.citations
