"""End to end with the real local model on trap questions of the development set (calibration split,
bench/devset/questions.json): a keyword in an irrelevant passage, a month or weekday that only the
document's date carries, a wrong speaker, a name the corpus never mentions. `make bench` reports the
whole set per split and trap kind; here a handful must be answered or refused correctly.

At most one miss is allowed: the 1.5B model sometimes answers from a neighbouring passage that the
relevance check cannot tell from the right one (same speaker, same topic words), or runs out of time on
a loaded machine and falls back to the extractive answer, whose best sentence may not carry the
expected words. Either way the answer shown is checked and cited, but may not be the labelled one."""
from __future__ import annotations

import pytest

from bench.traps import judge, load_questions, services

pytestmark = pytest.mark.slow
# One of each trap kind (calibration split only; the evaluation split is for reporting).
IDS = ("q07", "q29", "q33", "q06", "q20", "q40")


@pytest.fixture(scope="module")
def trap_services(tmp_path_factory, local_llm_url):
    svcs = services(tmp_path_factory.mktemp("traps"), ["ps752", "march2025"], llm="remote",
                    llm_base_url=local_llm_url, llm_timeout_s=600)
    yield svcs
    for s in svcs.values():
        s.close()


def test_trap_questions_are_answered_or_refused_correctly(trap_services):
    items = [q for q in load_questions("calibration") if q["id"] in IDS]
    assert len(items) == len(IDS) and {q["trap"] for q in items} >= {"weekday", "month", "absent_entity",
                                                                      "keyword_in_irrelevant_passage"}
    missed = []
    for item in items:
        answer = trap_services[item["corpus"]].ask(item["q"])
        if not judge(item, answer):
            missed.append((item["id"], item["trap"], answer.answer[:200]))
    assert len(missed) <= 1, missed
