"""A paragraph the index split where the speaker changes is read whole by answers: the passage after a
retrieved one, in the same paragraph and another speaker's voice, comes with it (not when the question
is limited to some sources). Real Chroma and embedder, no LLM; an invented corpus written for this test."""
from __future__ import annotations

import pytest

from tests.conftest import indexed_service

DOC = "\n\n".join([
    "---\nsource: wire\ntitle: Ministers speak after the flood\ndate: 2031-04-02\n---",
    "The river authority opened two new gauging stations on the upper Avon last year.",
    "On Tuesday, the Northland and Southland water ministers spoke by telephone for about an hour. "
    "Southland's water minister said afterwards that Southland was ready to open the Millbrook sluice for a week.",
    "Northland's water minister said the reservoir would be refilled by June.\n",
])
SOURCES = """sources:
  wire: {name: Wire service, aliases: [the wire]}
  southland: {name: Government of Southland, aliases: [Southland's water minister, Southland government]}
  northland: {name: Government of Northland, aliases: [Northland's water minister, Northland government]}
"""
QUESTION = "What happened in the telephone call between the water ministers on Tuesday?"


@pytest.fixture(scope="module")
def ministers(tmp_path_factory):
    svc = indexed_service(tmp_path_factory.mktemp("ministers"), {"2031-04-02-wire.md": DOC, "sources.yaml": SOURCES},
                          top_k=1)
    yield svc
    svc.close()


def test_a_retrieved_passage_brings_the_rest_of_its_paragraph_in_another_voice(ministers):
    call = [p for p in ministers.store.iter_passages() if p.text.startswith("On Tuesday")]
    assert len(call) == 1 and call[0].speaker == "wire"  # the index split the paragraph at the speaker
    texts = [h.passage.text for h in ministers.answer_passages(QUESTION)]
    assert texts[0].startswith("On Tuesday"), texts
    assert texts[1].startswith("Southland's water minister said afterwards"), texts
    assert not any(t.startswith("Northland's water minister") for t in texts)  # another paragraph


def test_a_question_limited_to_sources_gets_no_other_speakers_neighbour(ministers):
    hits = ministers.answer_passages(QUESTION, sources=["wire"])
    assert hits and {h.passage.speaker for h in hits} == {"wire"}
