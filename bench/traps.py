"""Answer quality on the trap questions of the development set (bench/devset/questions.json): each
corpus folder (ps752, march2025 + the seed) is indexed into its own data dir, and every question is
asked. A question with expect=answer is right when the answer is grounded and contains one of `any`;
expect=refuse is right when the answer is not grounded. Rates per split and per trap kind."""
from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

from bench import DEVSET, SEED

QUESTIONS = DEVSET / "questions.json"


def load_questions(split: str | None = None) -> list[dict]:
    items = json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    return [q for q in items if split is None or q["split"] == split]


def build_corpus(name: str, dest: Path) -> Path:
    """A copy of one devset corpus folder (march2025 gets the seed document too)."""
    shutil.copytree(DEVSET / name, dest)
    if name == "march2025":
        shutil.copy(SEED, dest / SEED.name)
    return dest


def services(tmp: Path, names, **settings):
    """{corpus name: an indexed Analyst} for the corpora the questions use."""
    from retrieval.service import Analyst
    from retrieval.settings import Settings

    out = {}
    for name in sorted(set(names)):
        corpus = build_corpus(name, tmp / name / "corpus")
        svc = Analyst(Settings(_env_file=None, data_dir=tmp / name / "data", corpus_dir=corpus, **settings))
        svc.index(detect=False)
        out[name] = svc
    return out


def judge(item: dict, answer) -> bool:
    if item["expect"] == "refuse":
        return not answer.grounded
    text = answer.answer.lower()
    return answer.grounded and any(w.lower() in text for w in item["any"])


def run(questions: list[dict], svcs: dict, on_row=None) -> list[dict]:
    rows = []
    for item in questions:
        a = svcs[item["corpus"]].ask(item["q"])
        rows.append({"id": item["id"], "expect": item["expect"], "trap": item["trap"], "split": item["split"],
                     "ok": judge(item, a), "grounded": a.grounded, "mode": a.mode, "answer": a.answer[:300]})
        if on_row:
            on_row(rows[-1])
    return rows


def _rates(rows: list[dict]) -> dict:
    ans = [r for r in rows if r["expect"] == "answer"]
    ref = [r for r in rows if r["expect"] == "refuse"]
    out = {"n": len(rows), "correct": sum(r["ok"] for r in rows)}
    if ans:
        out["answered_correctly"] = round(sum(r["ok"] for r in ans) / len(ans), 3)
        out["answer_n"] = len(ans)
    if ref:
        out["refused_correctly"] = round(sum(r["ok"] for r in ref) / len(ref), 3)
        out["refuse_n"] = len(ref)
    return out


def report(rows: list[dict]) -> dict:
    by_split, by_trap = defaultdict(list), defaultdict(list)
    for r in rows:
        by_split[r["split"]].append(r)
        by_trap[r["trap"]].append(r)
    return {"by_split": {k: _rates(v) for k, v in sorted(by_split.items())},
            "by_trap": {k: _rates(v) for k, v in sorted(by_trap.items())},
            "missed": [r["id"] for r in rows if not r["ok"]]}


def in_context(questions: list[dict], svcs: dict) -> dict:
    """Per split, the share of answerable questions whose labelled answer (one of `any`) is in the
    passage text the model reads (retrieved, reranked, narrowed): retrieval's part of the trap score,
    measured without the model."""
    from retrieval.answers.answer import without_instructions
    from retrieval.answers.context import focus_passages

    found = defaultdict(list)
    for item in (q for q in questions if q["expect"] == "answer"):
        svc = svcs[item["corpus"]]
        hits = without_instructions(svc.answer_passages(item["q"]))
        shown = focus_passages(item["q"], hits, svc.searcher.idf, svc.settings.answer_passage_chars,
                               svc.settings.answer_context_chars)
        text = "\n".join(h.passage.text.lower() for h in shown)
        found[item["split"]].append(any(w.lower() in text for w in item["any"]))
    return {split: round(sum(v) / len(v), 3) for split, v in sorted(found.items())}


def bench_traps(tmp: Path, **settings) -> dict:
    questions = load_questions()
    svcs = services(tmp, [q["corpus"] for q in questions], **settings)
    try:
        context = in_context(questions, svcs)
        rows = run(questions, svcs)
    finally:
        for s in svcs.values():
            s.close()
    return {**report(rows), "answer_in_context": context,
            "note": "bench/devset/questions.json; thresholds tuned on the calibration split only; "
                    "answer_in_context: share of answerable questions whose labelled answer is in the text the model reads"}


if __name__ == "__main__":  # python -m bench.traps [base_url|-] [split] [id,id,...]: rows as they come
    import sys
    import tempfile

    url = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != "-" else None
    split = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None
    ids = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
    mode = {"llm": "remote", "llm_base_url": url, "llm_timeout_s": 900} if url else {"llm": "none"}
    with tempfile.TemporaryDirectory() as d:
        qs = [q for q in load_questions(split) if ids is None or q["id"] in ids]
        svcs = services(Path(d), [q["corpus"] for q in qs], **mode)
        rows = run(qs, svcs, on_row=lambda r: print(json.dumps(r, ensure_ascii=False), flush=True))
        print(json.dumps(report(rows), indent=1))
