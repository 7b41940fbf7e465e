"""Index-time candidate generation and kinds without a model: real Chroma, real embedder, SQLite.

Same-speaker pairs from documents dated apart reach the judge (as `changed position`); a "no sign of it
so far" aside and a later report reach it as `later contradicted`; nothing is dropped by a regex gate
before scoring (a claim that reports another party is scored, with a feature saying so); whatever is
recorded carries its kind and features to the ledger."""
from pathlib import Path

import pytest

MINISTRY_MARCH = """---
source: ministry
title: Ministry briefing
date: 2025-03-03
---
The ministry said the Varna coal plant will stay open through the coming winter.
"""

MINISTRY_APRIL = """---
source: ministry
title: Ministry briefing
date: 2025-04-14
---
The ministry said the Varna coal plant will close before the coming winter.
"""

ASIDE = """---
source: news
title: Port report
date: 2025-06-03
---
Officials promised that the island ferry would resume service within days. There has been no sign so far \
of the island ferry resuming service.
"""

LATER = """---
source: local
title: Port update
date: 2025-06-09
---
The island ferry resumed service on Tuesday with two crossings a day.
"""

SOURCES = """sources:
  news:
    name: News report
    aliases: [news report]
  ministry:
    name: Energy Ministry
    aliases: [the ministry, Energy Ministry]
  local:
    name: Local paper
    aliases: [local paper]
"""


@pytest.fixture
def corpus(corpus_dir: Path) -> Path:
    for p in corpus_dir.glob("*.md"):
        p.unlink()
    (corpus_dir / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    return corpus_dir


@pytest.fixture
def judged(monkeypatch):
    """Every verdict the engine reaches, and every record call's keyword arguments."""
    from retrieval.contradictions.judge import Judge
    from retrieval.contradictions.ledger import Ledger

    seen: dict = {"verdicts": [], "records": []}
    original_verdict, original_record = Judge.verdict, Ledger.record

    def verdict(self, a, b, feats, with_llm):
        v = original_verdict(self, a, b, feats, with_llm)
        seen["verdicts"].append((a, b, v))
        return v

    def record(self, a, b, score, explanation, **kw):
        seen["records"].append(kw)
        return original_record(self, a, b, score, explanation, **kw)

    monkeypatch.setattr(Judge, "verdict", verdict)
    monkeypatch.setattr(Ledger, "record", record)
    return seen


def _texts(a, b):
    return a.text + " || " + b.text


def test_same_speaker_dated_apart_is_judged_as_changed_position(make_settings, corpus, judged):
    from retrieval.service import Analyst

    (corpus / "march.md").write_text(MINISTRY_MARCH, encoding="utf-8")
    (corpus / "april.md").write_text(MINISTRY_APRIL, encoding="utf-8")
    svc = Analyst(make_settings(sources_file=corpus / "sources.yaml"))
    try:
        svc.index()
    finally:
        svc.close()
    pairs = [(a, b, v) for a, b, v in judged["verdicts"] if "Varna" in a.text and "Varna" in b.text]
    assert pairs, "the same speaker's March and April claims never reached the judge"
    assert all(v.kind == "changed position" for _, _, v in pairs)
    assert all(a.speaker == b.speaker == "ministry" for a, b, _ in pairs)


def test_no_sign_so_far_then_a_report_is_judged_as_later_contradicted(make_settings, corpus, judged):
    from retrieval.service import Analyst

    (corpus / "aside.md").write_text(ASIDE, encoding="utf-8")
    (corpus / "later.md").write_text(LATER, encoding="utf-8")
    svc = Analyst(make_settings(sources_file=corpus / "sources.yaml"))
    try:
        svc.index()
    finally:
        svc.close()
    kinds = {v.kind for a, b, v in judged["verdicts"]
             if "no sign so far" in _texts(a, b) and "resumed" in _texts(a, b)}
    assert kinds == {"later contradicted"}
    for kw in judged["records"]:
        assert kw["kind"] in ("contradiction", "changed position", "later contradicted")
        assert set(kw["features"]) >= {"topic", "polarity", "llm", "same_speaker"}
