"""Structured logs: every log line of one question carries that question's request id, and the next
question gets another. The LLM endpoint is unreachable on purpose so each question logs warnings."""
from __future__ import annotations

import io
import re

import pytest

from bot.cli import main
from bot.logs import setup_logging
from tests.conftest import free_port
from tests.discord.conftest import (  # noqa: F401  (fixtures used by name)
    bot_scheduler, discord_service, env, seed_template, settle_timeout, workdir, world,
)
from tests.discord.conftest import bot_settings_for

LINE = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) (?P<logger>\S+) \[(?P<rid>[^\]]+)\] (?P<msg>.*)$")
QUESTIONS = ["How many injured Ukrainian servicemen will be handed over?",
             "What did Putin agree to about energy infrastructure?"]


def question_lines(text: str) -> list[re.Match]:
    """Log lines written while answering (the LLM fallback warnings), parsed."""
    lines = [LINE.match(ln) for ln in text.splitlines()]
    return [m for m in lines if m and m["logger"] in ("retrieval.llm.client", "retrieval.answers.answer")]


def ids_per_question(text: str) -> list[str]:
    return [m["rid"] for m in question_lines(text) if m["logger"] == "retrieval.answers.answer"]


@pytest.fixture
def down_llm(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANALYST_LLM", "remote")
    monkeypatch.setenv("ANALYST_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("ANALYST_LLM_CONNECT_TIMEOUT_S", "1")


def test_cli_ask_lines_share_one_id_and_the_next_ask_gets_another(down_llm, indexed, capfd):
    s = indexed.settings
    capfd.readouterr()
    for q in QUESTIONS:
        assert main(["ask", q, "--data-dir", str(s.data_dir), "--corpus", str(s.corpus_dir)]) == 0
    err = capfd.readouterr().err
    lines = question_lines(err)
    assert len(lines) >= 4, err  # per question: the failed LLM call and the fallback
    first, second = ids_per_question(err)
    assert re.fullmatch(r"[0-9a-f]{8}", first) and first != second
    assert {m["rid"] for m in lines} == {first, second}  # no line of a question without its id


def test_console_questions_get_their_own_ids(make_settings, corpus_dir):
    from bot.console import Console
    from retrieval.service import Analyst

    settings = make_settings(llm="remote", llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
                             llm_connect_timeout_s=1)
    svc = Analyst(settings)
    svc.index(detect=False)
    buf = io.StringIO()
    setup_logging(settings, stream=buf)
    console = Console(svc, stdin=io.StringIO("\n".join(QUESTIONS) + "\n"), stdout=io.StringIO())
    assert console.run() == 0
    ids = ids_per_question(buf.getvalue())
    assert len(ids) == 2 and len(set(ids)) == 2 and "-" not in ids, buf.getvalue()
    svc.close()


@pytest.fixture
def discord_settings(workdir):
    return bot_settings_for(workdir, llm="remote", llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
                            llm_connect_timeout_s=1)


async def test_each_discord_interaction_gets_its_own_id(world, discord_settings):
    buf = io.StringIO()
    setup_logging(discord_settings, stream=buf)
    for q in QUESTIONS:
        result = await world.alice.slash(world.channel, "ask", question=q)
        assert result.followups
    ids = ids_per_question(buf.getvalue())
    assert len(ids) == 2, buf.getvalue()
    assert "-" not in ids and len(set(ids)) == 2, ids
