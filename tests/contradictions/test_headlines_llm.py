"""The dispute headline prompt with the real local model (slow): grouping at index time asks the model
for a plain question about the point in contention, and what it writes passes the checks."""
from __future__ import annotations

import pytest

from retrieval.contradictions.headlines import check_headline
from tests.contradictions.test_disputes import FIVE

pytestmark = pytest.mark.slow


@pytest.fixture
def llm_service(llm_settings):
    from retrieval.service import Analyst

    svc = Analyst(llm_settings)
    yield svc
    svc.close()


def test_the_model_names_the_point_in_contention(llm_service):
    for a, b in FIVE:
        llm_service.ledger.record(a, b, 0.9, "x")
    [gid] = llm_service.group_disputes(use_llm=True)
    d = llm_service.dispute(gid)
    row = llm_service.ledger.db.execute("SELECT headline_by FROM disputes_items WHERE id=?", (gid,)).fetchone()
    claims = [c.quote for s in d.sides for c in s.citations]
    assert row["headline_by"] == "model", d.headline
    assert check_headline(d.headline, claims) == d.headline
    words = d.headline.lower()
    assert any(w in words for w in ("strike", "energy", "halt", "attack", "power")), d.headline
