"""bench/reach.py: the stage at which a pair of claims stopped on its way to the ledger, read from a kept
run. Real SQLite ledger, real loader, embedder and judge rules; fresh invented text (a port strike), not
the dev set."""
from pathlib import Path

from bench.reach import Run
from retrieval.contradictions.ledger import Ledger, pair_id
from retrieval.models import Claim

SOURCES = """sources:
  port-authority: {name: Port Authority, aliases: [the authority]}
  dockers-union: {name: Dockers' Union, aliases: [the union]}
  harbour-news: {name: Harbour News}
"""
AUTHORITY = """---
source: port-authority
title: "Strike update"
date: 2032-03-04
---
All four container cranes at the north quay were working normally on Tuesday.

The union said on Monday that it would end the stoppage by Friday.

Ferry timetables for the spring season will be published next month.
"""
UNION = """---
source: dockers-union
title: "Union statement"
date: 2032-03-05
---
Not one crane at the north quay moved on Tuesday because every crane driver stayed out.

All four container cranes at the north quay were idle on Tuesday as drivers walked out.

Our members voted by a large majority to keep the strike going.
"""
NEWS = """---
source: harbour-news
title: "Strike enters second week"
date: 2032-03-06
---
Every container crane on the north quay was working as usual on Tuesday, according to port managers.

The harbour's seafood market drew record crowds over the weekend.
"""
DOCS = {"2032-03-04-authority.md": AUTHORITY, "2032-03-05-union.md": UNION, "2032-03-06-news.md": NEWS}


def _claims() -> list[Claim]:
    out = []
    for doc, text in DOCS.items():
        meta, body = text.split("---\n", 2)[1:]
        source = meta.split("source: ")[1].split("\n")[0]
        for line in filter(None, body.splitlines()):
            start = body.index(line)
            out.append(Claim(
                id=f"{doc}:{start}", passage_id="", doc=doc, source=source, speaker=source, title="",
                start=start, end=start + len(line), text=line, date=doc[:10]))
    return out


def _kept(tmp_path: Path) -> list[Claim]:
    """A kept run over the three documents: one flagged pair, one pair the model judged no conflict."""
    folder = tmp_path / "port"
    folder.mkdir()
    (folder / "sources.yaml").write_text(SOURCES)
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    claims = _claims()
    working, not_one, idle = (_c(claims, w) for w in ("working normally", "Not one", "idle"))
    ledger = Ledger(tmp_path / "kept.sqlite3")
    try:
        ledger.replace_claims(list(DOCS), claims)
        ledger.record(working, idle, 0.95, "model")  # the model flagged it
        ledger.cache_verdict(f"{pair_id(working, not_one)}:v1", "agreement", 0.2, "model")  # judged, not flagged
    finally:
        ledger.close()
    return claims


def _c(claims: list[Claim], words: str) -> Claim:
    return next(x for x in claims if words in x.text)


def test_each_pair_is_placed_at_the_stage_that_stopped_it(tmp_path: Path):
    claims = _kept(tmp_path)
    working, promise, timetable = (_c(claims, w) for w in ("working normally", "stoppage by Friday", "Ferry"))
    not_one, idle, vote, as_usual, seafood = (_c(claims, w) for w in ("Not one", "idle", "voted", "as usual",
                                                                         "seafood"))
    run = Run(tmp_path / "kept.sqlite3", "port", root=tmp_path)
    idx = {cl.text: i for i, cl in enumerate(run.claims)}

    def stage(a: Claim, b: Claim) -> str:
        return run.stage(idx[a.text], idx[b.text])

    assert stage(working, idle) == "flagged"
    assert stage(working, not_one) == "judged_no"
    assert stage(promise, not_one) == "reported"  # the authority only reports what the union said
    assert stage(not_one, idle) == "same_speaker"  # one union statement, one date
    assert stage(timetable, seafood) == "below_floor"
    assert stage(working, as_usual) == "gate_polarity"  # close in meaning, same polarity: a restatement
    assert stage(not_one, as_usual) == "not_judged"  # opposed and on topic, but no verdict was kept
    assert run.furthest("2032-03-04-authority.md", working.text, "2032-03-05-union.md", vote.text) != "flagged"
    assert run.furthest("2032-03-04-authority.md", "A sentence nobody wrote.", "2032-03-05-union.md",
                        idle.text) == "no_claim"


def test_a_pair_past_the_floor_but_not_among_the_nearest_claims_is_beyond_neighbours(tmp_path: Path, monkeypatch):
    claims = _kept(tmp_path)
    not_one, as_usual = _c(claims, "Not one"), _c(claims, "as usual")
    monkeypatch.setenv("ANALYST_CLAIM_NEIGHBOURS", "0")  # no claim has a neighbour the engine would take
    run = Run(tmp_path / "kept.sqlite3", "port", root=tmp_path)
    idx = {cl.text: i for i, cl in enumerate(run.claims)}
    assert run.stage(idx[not_one.text], idx[as_usual.text]) == "beyond_neighbours"
