"""Pairs the model did not see in an index run (its budget spent, or the model down) wait in the
ledger's backlog and are judged by later runs, with or without new documents; none is dropped, none
judged twice, and pairs of a removed document leave with it. Real Chroma, embedder and SQLite.

The model here is a stand-in (a fake, said so): these tests count which pairs reach the model in
which run, which the real model cannot be made to show; its verdicts are tested with the real model
in the slow tests (test_seed_llm.py) and the pair bench. The down model is real: a closed port."""
from __future__ import annotations

import socket

from tests.conftest import indexed_service

PORT = """---
source: port
title: Port authority notice
date: 2031-05-02
---
The northern cranes at Ostra harbour were repaired on Monday and are working again.

The ferry to Lenn sails on schedule this week, the port authority said.

The harbour strike has ended and every terminal is open.

Harbour pilots guided the tanker Mira into the inner basin on Wednesday night.

The coal berth reopened to ships on Tuesday after the dredging.
"""
UNION = """---
source: union
title: Dockers' union statement
date: 2031-05-03
---
The northern cranes at Ostra harbour have not been repaired and stand idle.

No ferry to Lenn has left the harbour this week.

The strike continues at every terminal of the harbour.

The tanker Mira was not guided into the inner basin on Wednesday night, the pilots say.

The coal berth stayed closed to ships on Tuesday despite the dredging.
"""
SOURCES = """sources:
  port: {name: Port authority, aliases: [port authority]}
  union: {name: Dockers' union, aliases: [dockers]}
"""
FILES = {"port.md": PORT, "union.md": UNION, "sources.yaml": SOURCES}


class Recording:
    """Stand-in for the model: records each pair prompt it is shown, answers "contradiction" confidently."""

    model = "recording"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def label_probabilities(self, messages, labels, timeout=None):
        self.prompts.append(messages[-1]["content"])
        return {"contradiction": 0.97, "agreement": 0.015, "unrelated": 0.015}

    def chat(self, messages, **kw) -> str:  # a dispute headline: none, so the template one is used
        return ""

    def close(self) -> None:
        pass


def _service(tmp_path, url="http://127.0.0.1:9/v1"):
    """A service over the registry alone; the documents arrive before the test's first index run."""
    svc = indexed_service(tmp_path, {"sources.yaml": SOURCES}, llm="remote", llm_base_url=url,
                          contradiction_llm_pairs=1, llm_timeout_s=5)
    for name in ("port.md", "union.md"):
        (svc.settings.corpus_dir / name).write_text(FILES[name], encoding="utf-8")
    return svc


def test_pairs_beyond_the_budget_wait_and_later_runs_judge_each_once(tmp_path):
    svc = _service(tmp_path)
    try:
        model = svc._llm = Recording()
        first = svc.index()
        assert len(model.prompts) == 2  # one pair, both orders: the budget is one pair per run
        waiting = first.contradictions_waiting
        assert waiting >= 2 and first.contradictions_new == 1
        for left in range(waiting - 1, -1, -1):  # runs with no new document each judge one more
            report = svc.index()
            assert report.added == report.updated == 0
            assert report.contradictions_waiting == left and report.contradictions_new == 1
        assert len(model.prompts) == len(set(model.prompts)) == 2 * (waiting + 1)
        assert len(svc.contradictions("all")) == waiting + 1
    finally:
        svc.close()


def test_pairs_wait_while_the_model_is_down_and_leave_with_their_document(tmp_path):
    with socket.socket() as s:  # a port nothing listens on: the real client fails to connect
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    svc = _service(tmp_path, url=url)
    try:
        down = svc.index()
        assert down.contradictions_new == 0 and down.contradictions_waiting >= 3
        svc._llm = Recording()
        assert svc.index().contradictions_waiting == down.contradictions_waiting - 1  # judged once up
        (svc.settings.corpus_dir / "union.md").unlink()
        gone = svc.index()
        assert gone.removed == 1 and gone.contradictions_waiting == 0  # no pair outlives its claims
    finally:
        svc.close()
