"""Index-time detection without a model (ANALYST_LLM=none): real Chroma, real embedder, SQLite ledger.
Numeric and date conflicts are caught deterministically; restatements are not flagged; re-indexing
never duplicates; dismissal sticks; edits retire stale contradictions; quotes are verbatim."""
from pathlib import Path

import pytest

from retrieval.corpus.loader import load_document

KREMLIN = """---
source: kremlin
title: Kremlin readout
date: 2025-03-18
---
The presidents spoke by telephone on March 18.
Additionally, 23 injured Ukrainian servicemen who are receiving treatment in Russian hospitals will be handed over.
The Russian side proposed to set up expert groups on the Black Sea.
"""

REPORT = """---
source: news
title: Wire report
date: 2025-03-20
---
Russia handed over 22 wounded Ukrainian soldiers who had been treated in Russian hospitals, officials said.
The presidents spoke by telephone on March 25, according to the agency.
Expert groups on the Black Sea are being set up, the agency reported.
"""

AGREEING = """---
source: news
title: Second report
date: 2025-03-21
---
Russia will return twenty-three wounded Ukrainian soldiers being treated in Russian hospitals.
"""


@pytest.fixture
def corpus(corpus_dir: Path) -> Path:
    (corpus_dir / "trump-putin-call-2025-03-18.md").unlink()  # only the small documents below
    (corpus_dir / "kremlin.md").write_text(KREMLIN, encoding="utf-8")
    return corpus_dir


def _quotes_verbatim(service, corpus: Path) -> None:
    for c in service.contradictions("all"):
        for cit in (c.a, c.b):
            doc = load_document(corpus / cit.doc, corpus, service.registry, max_bytes=10**7)
            assert doc.text[cit.start:cit.end] == cit.quote


def test_numeric_and_date_conflicts_without_llm(service, corpus):
    (corpus / "report.md").write_text(REPORT, encoding="utf-8")
    report = service.index()
    found = service.contradictions("new")
    assert report.contradictions_new == len(found) == 2
    pairs = {frozenset((c.a.doc, c.b.doc)) for c in found}
    assert pairs == {frozenset(("kremlin.md", "report.md"))}
    texts = " ".join(c.a.quote + " " + c.b.quote for c in found)
    assert "23 injured" in texts and "22 wounded" in texts and "March 25" in texts
    assert all(c.score >= service.settings.contradiction_threshold and c.explanation for c in found)
    assert not any("Black Sea" in c.a.quote + c.b.quote for c in found)  # same claim: no conflict
    _quotes_verbatim(service, corpus)


def test_agreeing_restatement_is_not_flagged(service, corpus):
    (corpus / "agreeing.md").write_text(AGREEING, encoding="utf-8")
    assert service.index().contradictions_new == 0
    assert service.contradictions("all") == []


def test_reindex_no_duplicates_dismissal_sticks_and_edits_retire(service, corpus):
    path = corpus / "report.md"
    path.write_text(REPORT, encoding="utf-8")
    assert service.index().contradictions_new == 2
    assert service.index().contradictions_new == 0  # unchanged: nothing re-detected
    date_conflict = next(c for c in service.contradictions("new") if "March 25" in c.a.quote + c.b.quote)
    service.dismiss(date_conflict.id[:8])

    # an edit elsewhere in the document re-extracts its claims: same pairs, no duplicates
    path.write_text(REPORT + "Talks continue in Jeddah on Sunday.\n", encoding="utf-8")
    assert service.index().contradictions_new == 0
    assert len(service.contradictions("all")) == 2
    assert [c.id for c in service.contradictions("dismissed")] == [date_conflict.id]
    _quotes_verbatim(service, corpus)

    # correcting the figure retires the numeric contradiction (hidden, not deleted)
    path.write_text(REPORT.replace("22 wounded", "23 wounded"), encoding="utf-8")
    assert service.index().contradictions_new == 0
    assert service.contradictions("new") == []
    assert len(service.ledger.list("retired")) == 1
    assert [c.id for c in service.contradictions("all")] == [date_conflict.id]

    # removing the document retires the rest
    path.unlink()
    service.index()
    assert service.contradictions("all") == []


def test_seed_without_llm_flags_nothing_false(indexed):
    """Precision: on the seed, the deterministic checks alone must not invent conflicts."""
    assert indexed.contradictions("all") == []
    assert indexed.ledger.claim_count() > 30
