"""The answer prompt is built for the server's prefix cache: a head that is the same bytes for every
question (system + few-shot), then what varies; passages are narrowed to their best sentences with
exact document offsets; the "nothing found" marker never reaches a stream."""
from __future__ import annotations

from pathlib import Path

from retrieval.answers.answer import answer_messages
from retrieval.answers.context import focus_passages, held_back
from retrieval.corpus.loader import load_document
from retrieval.corpus.sources import SourceRegistry
from retrieval.models import Hit, Passage
from retrieval.text import split_sentences

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "corpus" / "trump-putin-call-2025-03-18.md"


def _passages() -> tuple[str, list[Passage]]:
    registry = SourceRegistry.load(ROOT / "corpus" / "sources.yaml")
    doc = load_document(SEED, ROOT / "corpus", registry, max_bytes=10_000_000)
    from retrieval.corpus.attribution import Attributor
    from retrieval.index.splitter import PassageSplitter

    return doc.text, PassageSplitter(Attributor(registry), 500, 0).split(doc)


def _head(messages) -> str:
    """Everything before the first byte that depends on the question or its passages."""
    *fixed, last = messages
    return repr(fixed) + last["content"].split("<passage", 1)[0]


def test_prompt_head_is_byte_identical_across_questions_and_passages():
    _, ps = _passages()
    a = answer_messages("What did the Kremlin say about energy?", [Hit(p, 1.0) for p in ps[:5]])
    b = answer_messages("Who will be exchanged?", [Hit(p, 1.0) for p in ps[7:9]],
                        history=[("earlier question", "earlier answer [1]")])
    assert _head(a) == _head(b) and len(_head(a)) > 1000  # system and few-shot examples included
    assert a[:-1] == b[:-1]  # only the last message differs...
    for question in ("What did the Kremlin say about energy?", "Who will be exchanged?"):
        assert not any(question in m["content"] for m in a[:-1] + b[:-1])  # ...and it holds all that varies


def test_focused_passages_keep_exact_offsets_and_fit_the_budget():
    text, ps = _passages()
    hits = [Hit(p, 1.0) for p in ps]
    focused = focus_passages("energy infrastructure pause", hits, lambda t: 1.0, 200)
    assert len(focused) == len(hits)
    narrowed = [f for f, h in zip(focused, hits) if f.passage.text != h.passage.text]
    assert narrowed, "long passages were narrowed"
    for f, h in zip(focused, hits):
        p = f.passage
        assert text[p.start:p.end] == p.text  # still a verbatim span of the document
        assert h.passage.start <= p.start and p.end <= h.passage.end and p.id == h.passage.id
        if p.text != h.passage.text:
            assert len(p.text) <= 200 or "." not in p.text[:-1]  # one over-long sentence stays whole
    # A question made of the last sentence of the longest passage: its window must end with that sentence.
    longest = max((p for p in ps if len(split_sentences(p.text)) >= 2), key=lambda p: len(p.text))
    last = split_sentences(longest.text)[-1].text
    [kept] = focus_passages(last, [Hit(longest, 1.0)], lambda t: 1.0, len(longest.text) - 1)
    assert kept.passage.text != longest.text and kept.passage.text.endswith(last)


def test_not_found_marker_is_held_back_from_the_stream():
    shown: list[str] = []
    push = held_back(shown.append, "NOT_FOUND")
    for tok in ["NOT", "_", "FOUND"]:
        push(tok)
    assert shown == []
    push2 = held_back(shown.append, "NOT_FOUND")
    for tok in ["No", "w the", " Kremlin"]:
        push2(tok)
    assert "".join(shown) == "Now the Kremlin"
