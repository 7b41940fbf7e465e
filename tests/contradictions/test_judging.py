"""The order in which an index run asks the model: runs of pairs that share a claim, that claim shown
first, first looks back to back (llama.cpp reuses the prompt prefix it evaluated last), and the order of
a pair's two looks changes neither whether it is a contradiction nor its score. Fresh invented documents
(a harbour strike); real Chroma, embedder and SQLite. The model is a stand-in (a fake, said so): these
tests look at which prompts reach it in which order, which the real model cannot show; the real model
judges in the slow tests (test_seed_llm.py) and the pair bench."""
from __future__ import annotations

from retrieval.contradictions.backlog import Candidate
from retrieval.contradictions.judge import Judge
from retrieval.contradictions.judging import model_order
from tests.conftest import indexed_service
from tests.contradictions.test_backlog import Recording
from tests.contradictions.test_judge_rules import claim

PORT = """---
source: port
title: Port authority notice
date: 2031-05-02
---
The harbour strike at Ostra has ended and all of its terminals are open again.

The northern cranes at Ostra harbour were repaired on Monday and are working again.
"""
UNION = """---
source: union
title: Dockers' union statement
date: 2031-05-03
---
The harbour strike at Ostra has not ended, and its terminals stay closed.

No terminal at Ostra harbour has opened again, because the strike goes on.

The strike at Ostra harbour continues, and the dockers will not return to the terminals.

The northern cranes at Ostra harbour have not been repaired and stand idle.
"""
SOURCES = """sources:
  port: {name: Port authority, aliases: [port authority]}
  union: {name: Dockers' union, aliases: [dockers]}
"""


def test_runs_are_led_by_the_claim_in_most_pairs_and_keep_ranking_order():
    x, y1, y2, z, w = (claim(f"Claim {n} about the harbour strike.", s, start=k)
                       for k, (n, s) in enumerate([("x", "port"), ("y1", "union"), ("y2", "union"),
                                                   ("z", "port"), ("w", "union")]))
    ranked = [Candidate(x, y1, 0.9, 0.9), Candidate(z, w, 0.8, 0.8), Candidate(x, y2, 0.7, 0.7),
              Candidate(y1, w, 0.6, 0.6)]
    runs = model_order(ranked)
    assert [[(c.a.id, c.b.id, lead.id) for c, lead in run] for run in runs] == [
        [(x.id, y1.id, x.id), (x.id, y2.id, x.id)],  # x: in two pairs, the first claim seen with two
        [(z.id, w.id, w.id), (y1.id, w.id, w.id)],  # w leads what is left, whichever side it is on
    ]
    assert model_order([]) == []


class OrderedModel:
    """Stand-in for the model whose answer depends on which claim it is shown first."""

    model = "ordered"

    def __init__(self, p: dict[str, float]) -> None:
        self.p = p

    def label_probabilities(self, messages, labels, timeout=None):
        first = messages[-1]["content"].splitlines()[0]
        p = next(v for k, v in self.p.items() if k in first)
        return {"contradiction": p, "agreement": (1 - p) / 2, "unrelated": (1 - p) / 2}


def test_the_order_of_the_two_looks_changes_neither_the_decision_nor_the_score():
    a = claim("The harbour strike has ended.", "port")
    b = claim("The harbour strike goes on at every terminal.", "union", start=40)
    c = claim("The dockers are still on strike at the harbour.", "union", start=80)
    judge = Judge(OrderedModel({"ended": 0.95, "every terminal": 0.75, "still on strike": 0.55}))
    for other in (b, c):
        ab = judge.conclude(a, other, judge.look(a, other))
        ba = judge.conclude(a, other, judge.look(other, a), lead=other)
        assert (ab.label == "contradiction") == (ba.label == "contradiction")
        if ab.label == "contradiction":
            assert ab.score == ba.score and ab.explanation == ba.explanation
    assert judge.conclude(a, b, judge.look(a, b)).label == "contradiction"  # 0.75 both ways: above the floor
    assert judge.conclude(a, c, judge.look(a, c)).label != "contradiction"  # 0.55 one way is not enough


def test_an_index_run_asks_the_model_one_shared_claim_at_a_time(tmp_path):
    svc = indexed_service(tmp_path, {"sources.yaml": SOURCES}, llm="remote", llm_base_url="http://127.0.0.1:9/v1")
    try:
        for name, text in (("port.md", PORT), ("union.md", UNION)):
            (svc.settings.corpus_dir / name).write_text(text, encoding="utf-8")
        model = svc._llm = Recording()
        svc.index()
        prompts = [tuple(p.splitlines()[:2]) for p in model.prompts]  # (A line, B line) of each prompt
        strike = "A (Port authority): The harbour strike at Ostra has ended"
        firsts = [k for k, (a, _) in enumerate(prompts) if a.startswith(strike)]
        assert len(firsts) >= 2, prompts  # the port's strike claim against several union claims
        assert firsts == list(range(firsts[0], firsts[0] + len(firsts)))  # its first looks back to back
        after = prompts[firsts[-1] + 1: firsts[-1] + 1 + len(firsts)]
        assert [b for _, b in after] == [f"B {a[2:]}" for a, _ in (prompts[k] for k in firsts)]
        assert [a[2:] for a, _ in after] == [b[2:] for _, b in (prompts[k] for k in firsts)]
        assert len(prompts) == len(set(prompts))  # no pair asked twice in one order
    finally:
        svc.close()
