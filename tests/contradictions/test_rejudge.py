"""bench/rejudge.py: a kept digest run scored as this version's rules would have recorded it. Real
SQLite ledger, real loader and embedder; fresh invented text (a rail accident), not the dev set."""
from pathlib import Path

from bench.rejudge import settled
from retrieval.contradictions.ledger import Ledger
from retrieval.models import Claim

SOURCES = """sources:
  rail-board: {name: Rail Board, aliases: [the board]}
  fire-service: {name: Fire Service, aliases: [firefighters]}
  operator: {name: Dunmore Freight, aliases: [the operator]}
"""
DOC = """---
source: rail-board
title: "Derailment near Dunmore"
date: 2031-06-07
---
A freight train left the rails outside Dunmore late on Friday. The fire service said nobody was hurt \
and no wagon caught fire. The operator rejected that account.
"""


def _claim(text: str, body: str, speaker: str) -> Claim:
    start = body.index(text)
    return Claim(id=f"d:{start}", passage_id="", doc="2031-06-07-derailment.md", source="rail-board",
                 speaker=speaker, title="Derailment near Dunmore", start=start, end=start + len(text), text=text,
                 date="2031-06-07")


def test_kept_pairs_the_rules_now_settle_are_named_and_the_rest_kept(tmp_path: Path):
    folder = tmp_path / "rail"
    folder.mkdir()
    (folder / "sources.yaml").write_text(SOURCES)
    (folder / "2031-06-07-derailment.md").write_text(DOC)
    body = DOC.split("---\n", 2)[2]
    event = _claim("A freight train left the rails outside Dunmore late on Friday.", body, "rail-board")
    detail = _claim("The fire service said nobody was hurt and no wagon caught fire.", body, "fire-service")
    answer = _claim("The operator rejected that account.", body, "operator")
    ledger = Ledger(tmp_path / "kept.sqlite3")
    try:
        ledger.replace_claims(["2031-06-07-derailment.md"], [event, detail, answer])
        ledger.record(event, detail, 1.0, "model")  # a neighbouring detail: the gate now stops it
        ledger.record(event, answer, 0.9, "model")  # an answer that points back: still the model's
        ids = {c.b.quote: c.id for c in ledger.list("all")}
    finally:
        ledger.close()
    assert settled(tmp_path / "kept.sqlite3", "rail", root=tmp_path) == [ids[detail.text]]
