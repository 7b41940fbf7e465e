"""Fault-injection suite (`make test-faults`): bad documents, injected instructions, endpoints down or
slow, a Chroma server that goes away, killed and concurrent index runs, secrets kept out of logs.
Runnable alone: `pytest tests/faults` (the root conftest provides the real parts)."""
from __future__ import annotations

import pytest


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    """The CLI as an operator runs it, but never reading a developer's .env, and with no LLM
    unless a test sets one (index runs then detect contradictions without a model)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANALYST_LLM", "none")
    return monkeypatch
