"""End to end with the real local model (Qwen2.5-Coder-1.5B via llama.cpp): cited, correct answers on
the seed; refusals; streaming; follow-ups. Slow: `make test-fast` skips them, CI runs them."""
import json

import pytest

from tests.conftest import EVAL_FILE, SEED_DOC

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llm_service(tmp_path_factory, local_llm_url):
    import shutil

    from retrieval.service import Analyst
    from retrieval.settings import Settings
    from tests.conftest import CORPUS

    tmp = tmp_path_factory.mktemp("e2e")
    shutil.copytree(CORPUS, tmp / "corpus")
    svc = Analyst(Settings(_env_file=None, data_dir=tmp / "data", corpus_dir=tmp / "corpus",
                           llm="remote", llm_base_url=local_llm_url))
    svc.index(detect=False)
    yield svc
    svc.close()


def seed_text(svc):
    return (svc.settings.corpus_dir / SEED_DOC).read_text(encoding="utf-8").split("---\n", 2)[2]


def assert_verbatim(svc, answer):
    text = seed_text(svc)
    for c in answer.citations:
        assert c.doc == SEED_DOC and text[c.start:c.end] == c.quote, c
        assert f"[{c.n}]" in answer.answer


def test_seed_questions_are_answered_with_supporting_citations(llm_service):
    spec = json.loads(EVAL_FILE.read_text())
    misses = []
    for item in spec["questions"]:
        a = llm_service.ask(item["q"])
        assert_verbatim(llm_service, a)
        if a.mode != "llm":  # the model failed (a timeout on a loaded machine): counts as a miss
            misses.append((item["q"], a.note))
            continue
        words = [w.lower() for w in item["any"]]
        answered = a.grounded and any(w in a.answer.lower() for w in words)
        cited = any(w in c.quote.lower() for c in a.citations for w in words)
        if not (answered and cited):
            misses.append((item["q"], a.answer, [c.quote for c in a.citations]))
    # the small local model may miss one of six; more than that is a regression
    assert len(misses) <= 1, misses


def test_answer_names_the_speaker_and_cites_the_kremlin_passage(llm_service):
    a = llm_service.ask("What did the Kremlin say Russia is ready to guarantee to Ukrainian troops in Kursk?")
    assert a.grounded and any(w in a.answer.lower() for w in ("surrender", "lives"))
    assert any(c.speaker == "kremlin" and "surrender" in c.quote for c in a.citations)
    assert_verbatim(llm_service, a)


def test_source_filter_restricts_citations(llm_service):
    a = llm_service.ask("What did he say about assistance for Ukraine?", sources=["Zelenskyy"])
    assert a.grounded and a.citations
    assert {c.speaker for c in a.citations} == {"zelenskyy"}
    assert_verbatim(llm_service, a)


def test_unanswerable_question_is_refused(llm_service):
    for q in json.loads(EVAL_FILE.read_text())["unanswerable"] + [
            "What did the Ukrainian president say about the price of wheat?"]:
        a = llm_service.ask(q)
        assert a.grounded is False and a.citations == [], (q, a.answer)


def test_streaming_tokens_and_follow_up(llm_service):
    tokens: list[str] = []
    first = llm_service.ask("How long was Steve Witkoff reportedly made to wait in Moscow?", on_token=tokens.append)
    assert len(tokens) > 3 and "eight hours" in "".join(tokens)
    assert first.grounded and any("eight hours" in c.quote for c in first.citations)
    follow = llm_service.ask("Who made him wait?", history=[(
        "How long was Steve Witkoff reportedly made to wait in Moscow?", first.answer)])
    assert follow.grounded and "putin" in follow.answer.lower()
    assert_verbatim(llm_service, follow)
