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
    assert "compare" in out and "e.g. /compare kremlin whitehouse" in out  # /help, from the command table
    assert "never read" not in out


def test_ask_with_source_and_errors(indexed):
    out = run_console(indexed, "/ask What about assistance for Ukraine? --source Zelenskyy\n"
                               "/ask x --source elysee\n/nope\n/dismiss\n")
    assert "[1] zelenskyy" in out and "[1] kremlin" not in out
    assert "⚠ Unknown source 'elysee'" in out
    assert "⚠ Unknown command /nope" in out
    assert "arguments are required: ID" in out


def test_digest_and_contradictions_commands(indexed):
    out = run_console(indexed, "/contradictions --status all\n/digest\n")
    assert ("No contradictions." in out) or ("#" in out)
    assert "Digest preview" in out


def test_ingest_a_local_file(indexed, tmp_path):
    doc = tmp_path / "statement.md"
    doc.write_text("The Kremlin said the next round of talks opens in Riyadh on Friday.")
    out = run_console(indexed, f"/ingest {doc} --source kremlin\n/ingest {tmp_path}/missing.md\n/ingest\n"
                               "What opens in Riyadh on Friday?\n")
    assert "1 added" in out and "⚠ Cannot read" in out and "required: PATH" in out
    assert "[1] kremlin" in out and "Riyadh" in out
    assert (indexed.settings.corpus_dir / "kremlin" / "statement.md").is_file()


BAD_LINES = [
    "/contradictions --status bogus",  # an unknown choice (used to end the session with a traceback)
    "/contradictions bogus",           # an unexpected positional
    "/compare kremlin",                # a missing argument
    "/compare kremlin Putin",          # a source compared with itself (an alias of it)
    "/compare kremlin elysee",         # an unknown source
    "/ask",                            # no question
    '/ask "   "',                      # an empty question
    '/ask "unbalanced',                # a quote that never closes
    "/dismiss no-such-id",             # an id that is not in the ledger
    "/ingest",                         # nothing to ingest
    "/sources --json",                 # an option of another front
    "/index",                          # a CLI-only command
    "/help --bogus",
]


def test_every_bad_argument_is_one_line_and_the_session_goes_on(indexed):
    out = run_console(indexed, "\n".join(BAD_LINES) + "\n/sources\n")
    replies = [line for line in out.splitlines() if line.startswith("⚠")]
    assert len(replies) == len(BAD_LINES), out
    assert "Traceback" not in out
    assert "kremlin" in out.splitlines()[-3] or "Volodymyr" in out  # /sources still answered at the end
    assert "invalid choice: 'bogus'" in out


def test_an_unexpected_error_is_reported_with_a_request_id(indexed, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(indexed, "sources", broken)
    out = run_console(indexed, "/sources\n/help\n")
    assert "⚠ Something went wrong (request " in out and "disk on fire" not in out
    assert "e.g. /ask" in out  # the next command was still served


def test_digest_preview_names_and_counts_disputes_below_the_bar(tmp_path):
    from pathlib import Path

    from tests.conftest import indexed_service
    from tests.discord.conftest import POINTS, _claims

    registry = (Path(__file__).resolve().parents[2] / "corpus" / "sources.yaml").read_text(encoding="utf-8")
    svc = indexed_service(tmp_path, {"sources.yaml": registry})
    try:
        assert "possible" not in run_console(svc, "/digest\n")
        a, b = _claims(0, 0, *POINTS[0][0])  # a single pair: below the digest's bar
        svc.ledger.record(a, b, 0.9, "The Kremlin and Zelenskyy give different accounts.")
        out = run_console(svc, "/digest\n")
        assert "no new disputes" in out  # nothing to post ...
        [lone] = svc.disputes("possible")
        assert f"• {lone.headline} (`{lone.id}`, confidence {lone.confidence:.2f}: one pair of statements)" in out  # named
        assert "`disputes ID` opens one" in out
        assert "1 possible dispute(s) since the last digest (`disputes --status possible`" in out  # ... and counted
        assert run_console(svc, "/digest\n") == out  # a preview records nothing
        shown = run_console(svc, f"/disputes {lone.id}\n")
        assert lone.id in shown and "Key pairs:" in shown
    finally:
        svc.close()
