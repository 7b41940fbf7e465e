"""Drive the `analyst` CLI: JSON contracts, exit codes, one-line errors."""
import json

import pytest

from bot.cli import main
from tests.conftest import SEED_DOC


@pytest.fixture
def run(tmp_path, corpus_dir, monkeypatch, capsys):
    monkeypatch.setenv("ANALYST_LLM", "none")

    def run(*argv):
        code = main([*argv, "--data-dir", str(tmp_path / "data"), "--corpus", str(corpus_dir)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_index_json_contract(run):
    code, out, _ = run("index", "--json")
    data = json.loads(out)
    assert code == 0
    assert {"documents", "passages", "added", "updated", "removed", "unchanged", "contradictions_new"} <= set(data)
    assert (data["documents"], data["added"]) == (1, 1)
    code, out, _ = run("index", "--json")
    assert json.loads(out)["unchanged"] == 1


def test_ask_json_contract(run, corpus_dir):
    run("index", "--json")
    code, out, _ = run("ask", "What will Russia hand over to Ukraine?", "--json")
    data = json.loads(out)
    assert code == 0 and set(data) >= {"answer", "grounded", "mode", "citations"}
    assert data["mode"] == "extractive" and data["grounded"] is True
    text = (corpus_dir / SEED_DOC).read_text(encoding="utf-8").split("---\n", 2)[2]
    for c in data["citations"]:
        assert set(c) >= {"n", "source", "speaker", "doc", "title", "quote", "start", "end"}
        assert text[c["start"]:c["end"]] == c["quote"]


def test_sources_json_contract(run):
    run("index", "--json")
    code, out, _ = run("sources", "--json")
    data = {s["id"]: s for s in json.loads(out)}
    assert data["kremlin"]["documents"] == 1 and data["kremlin"]["passages"] >= 10
    assert "Putin" in data["kremlin"]["aliases"] and data["whitehouse"]["name"] == "The White House"


def test_unknown_source_is_one_line_error(run):
    run("index", "--json")
    code, out, err = run("ask", "anything", "--source", "elysee")
    assert code == 2 and out == ""
    assert err.strip().startswith("analyst: Unknown source 'elysee'") and len(err.strip().splitlines()) == 1


def test_skipped_files_give_exit_status_3(run, corpus_dir):
    (corpus_dir / "bad.md").write_bytes(b"\xff\xfe\x00\x00binary\x00")
    code, out, err = run("index", "--json")
    data = json.loads(out)
    assert code == 3 and data["skipped"][0]["path"] == "bad.md"
    assert data["added"] == 1


@pytest.mark.parametrize("argv, words", [
    (("ask", ""), "question is empty"),
    (("ask", "   "), "question is empty"),
    (("compare", "kremlin", "kremlin"), "same source"),
    (("compare", "kremlin", "Putin"), "same source"),
    (("contradictions", "--status", "bogus"), "invalid choice"),
    (("dismiss", "no-such-id"), "no-such-id"),
    (("nonsense",), "invalid choice"),
])
def test_bad_arguments_are_one_line_errors(run, argv, words):
    run("index", "--json")
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("analyst: ") and words in lines[0], err
    assert "Traceback" not in err


def test_commands_json_is_the_command_table(run):
    code, out, _ = run("commands", "--json")
    rows = {c["name"]: c for c in json.loads(out)}
    assert code == 0
    assert {"ask", "compare", "contradictions", "dismiss", "sources", "ingest", "index", "digest"} <= set(rows)
    assert rows["ask"]["discord"]["name"] == "ask" and rows["index"]["discord"] is None
    status = next(o for o in rows["contradictions"]["options"] if o["name"] == "status")
    assert status["choices"] == ["new", "posted", "dismissed", "retired", "all"]
    status = next(o for o in rows["disputes"]["options"] if o["name"] == "status")
    assert status["choices"] == ["new", "posted", "dismissed", "possible", "all"]
    assert rows["disputes"]["discord"]["name"] == "disputes"


def test_options_before_the_command_are_kept(tmp_path, corpus_dir, monkeypatch, capsys):
    """`analyst --data-dir X --json sources`: options given before the command name count as after it
    (the subcommand's own defaults used to reset them, so the command ran on ./.analyst in text mode)."""
    monkeypatch.setenv("ANALYST_LLM", "none")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "--corpus", str(corpus_dir), "--json", "index"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 1
    assert (data / "analyst.sqlite3").is_file() and not (elsewhere / ".analyst").exists()
    assert main(["--json", "sources", "--data-dir", str(data), "--corpus", str(corpus_dir)]) == 0
    assert {s["id"] for s in json.loads(capsys.readouterr().out)} >= {"kremlin", "whitehouse"}
