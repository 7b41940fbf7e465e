"""CLI edges and manners (issue 13, items 4-6): non-documents refused by `analyst index PATH`, library
debug lines kept out of the terminal, one question limit, did-you-mean for sources, hints worded per
front, and `analyst feedback`."""
import json
import logging

import pytest

from bot.cli import main
from bot.commands import MAX_QUESTION
from retrieval.errors import LLMUnavailableError, UnknownSourceError


@pytest.fixture
def run(tmp_path, corpus_dir, monkeypatch, capsys):
    monkeypatch.setenv("ANALYST_LLM", "none")

    def run(*argv):
        code = main([*argv, "--data-dir", str(tmp_path / "data"), "--corpus", str(corpus_dir)])
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    for h in list(logging.getLogger().handlers):  # the CLI's handlers write to this test's stderr
        if getattr(h, "_analyst", False):
            logging.getLogger().removeHandler(h)


def test_index_refuses_the_registry_and_unsupported_files_with_a_reason(run, corpus_dir):
    (corpus_dir / "notes.pdf").write_bytes(b"%PDF-1.4 not a document Analyst reads")
    code, out, _ = run("index", str(corpus_dir / "sources.yaml"), str(corpus_dir / "notes.pdf"), "--json")
    data = json.loads(out)
    assert code == 3 and data["added"] == 0 and data["documents"] == 0
    reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in data["skipped"]}
    assert "source registry" in reasons["sources.yaml"]
    assert "not a document type" in reasons["notes.pdf"] and ".md" in reasons["notes.pdf"]
    # a document next to them is still indexed
    code, out, _ = run("index", str(corpus_dir / "sources.yaml"), str(next(corpus_dir.glob("*.md"))), "--json")
    data = json.loads(out)
    assert code == 3 and data["added"] == 1 and len(data["skipped"]) == 1


def test_library_debug_lines_only_with_verbose(run):
    run("index", "--json")
    _, _, err = run("ask", "What did Putin agree to?", "--json")
    assert "bm25s" not in err and "DEBUG" not in err
    _, _, err = run("ask", "What did Putin agree to?", "--json", "-v")
    assert "DEBUG" in err  # the same run with -v does show debug lines


def test_question_limit_is_the_same_in_the_terminal(run):
    run("index", "--json")
    code, out, err = run("ask", "x" * (MAX_QUESTION + 1))
    assert code == 2 and out == "" and f"limited to {MAX_QUESTION} characters" in err
    assert len(err.strip().splitlines()) == 1


def test_mistyped_source_gets_a_suggestion_in_every_front(run, service):
    code, _, err = run("ask", "What did they say?", "--source", "kremln")
    assert code == 2 and "Did you mean kremlin (The Kremlin)?" in err
    with pytest.raises(UnknownSourceError) as exc:
        service.resolve_source("whitehose")
    assert "Did you mean whitehouse" in exc.value.user_message
    assert "`analyst sources`" in exc.value.for_front("cli")
    assert "analyst" not in exc.value.for_front("discord") and "/sources" in exc.value.for_front("discord")
    assert "/sources" in exc.value.for_front("console")


def test_hints_with_terminal_instructions_are_not_shown_on_discord():
    err = LLMUnavailableError()
    assert "ANALYST_LLM" in err.for_front("cli")
    assert "ANALYST_" not in err.for_front("discord") and "admin" in err.for_front("discord")
    custom = LLMUnavailableError("The model crashed.", hint="Server log /x/llm.log, last lines: …")
    assert custom.for_front("discord") == "The model crashed."


def test_feedback_is_listed_by_the_cli(run, service):
    service.index()
    answer = service.ask("What did Putin agree to?")
    service.log_answer("req00001", "What did Putin agree to?", answer)
    service.feedback("req00001", "42", "down", "  wrong   speaker ")
    service.feedback("req00001", "43", "up")
    service.close()
    code, out, _ = run("feedback", "--json")
    rows = {r["user"]: r for r in json.loads(out)}
    assert code == 0 and set(rows) == {"42", "43"}
    assert rows["42"]["vote"] == "down" and rows["42"]["reason"] == "wrong speaker"
    assert rows["42"]["question"] == "What did Putin agree to?" and rows["42"]["answer"] == answer.answer
    assert rows["42"]["citations"] == [c.to_dict() for c in answer.citations] and rows["42"]["request_id"] == "req00001"
    code, out, _ = run("feedback")
    assert code == 0 and "👎" in out and "wrong speaker" in out
