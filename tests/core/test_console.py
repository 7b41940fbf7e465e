"""The console channel driven through its real stdin/stdout loop (what `make run` opens without a token)."""
import io

from bot.console import Console


def run_console(service, lines: str) -> str:
    out = io.StringIO()
    code = Console(service, stdin=io.StringIO(lines), stdout=out).run()
    assert code == 0
    return out.getvalue()


def test_question_sources_help_and_quit(indexed):
    out = run_console(indexed, "How many injured servicemen will be handed over?\n/sources\n/help\n/quit\nnever read\n")
    assert "23 injured Ukrainian servicemen" in out and "[1] kremlin" in out
    assert "kremlin" in out and "Putin" in out           # /sources lists ids and aliases
    assert "/compare A B [TOPIC]" in out                   # /help
    assert "never read" not in out


def test_ask_with_source_and_errors(indexed):
    out = run_console(indexed, "/ask What about assistance for Ukraine? --source Zelenskyy\n/ask x --source elysee\n/nope\n/dismiss\n")
    assert "[1] zelenskyy" in out and "[1] kremlin" not in out
    assert "⚠ Unknown source 'elysee'" in out
    assert "⚠ Unknown command /nope" in out
    assert "Usage: /dismiss ID" in out


def test_digest_and_contradictions_commands(indexed):
    out = run_console(indexed, "/contradictions all\n/digest\n")
    assert ("No contradictions." in out) or ("#" in out)
    assert "Digest:" in out


def test_ingest_a_local_file(indexed, tmp_path):
    doc = tmp_path / "statement.md"
    doc.write_text("The Kremlin said the next round of talks opens in Riyadh on Friday.")
    out = run_console(indexed, f"/ingest {doc} --source kremlin\n/ingest {tmp_path}/missing.md\n/ingest\n"
                               "What opens in Riyadh on Friday?\n")
    assert "1 added" in out and "⚠ Cannot read" in out and "Usage: /ingest PATH" in out
    assert "[1] kremlin" in out and "Riyadh" in out
    assert (indexed.settings.corpus_dir / "kremlin" / "statement.md").is_file()
