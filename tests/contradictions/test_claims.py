"""Claims cut from the seed's real passages (loader + attribution + splitter): verbatim at offsets."""
from pathlib import Path

from retrieval.corpus.attribution import Attributor
from retrieval.contradictions.claims import clauses, extract_claims
from retrieval.corpus.loader import load_document
from retrieval.corpus.sources import SourceRegistry
from retrieval.index.splitter import PassageSplitter

REPO = Path(__file__).resolve().parents[2]


def seed_claims():
    reg = SourceRegistry.load(REPO / "corpus" / "sources.yaml")
    doc = load_document(REPO / "corpus" / "trump-putin-call-2025-03-18.md", REPO / "corpus", reg,
                        max_bytes=10**7)
    return doc, extract_claims(PassageSplitter(Attributor(reg), 500, 0).split(doc))


def test_every_claim_is_verbatim_at_its_offsets():
    doc, claims = seed_claims()
    assert len(claims) > 30
    for c in claims:
        assert doc.text[c.start:c.end] == c.text
        assert not c.text.startswith(("- ", " ")) and not c.text.endswith(" ")
        for part in clauses(c):
            assert doc.text[part.start:part.end] == part.text


def test_parenthetical_aside_is_the_publishers_own_claim():
    _, claims = seed_claims()
    aside = [c for c in claims if "no news of such a swap" in c.text]
    assert len(aside) == 1 and aside[0].speaker == "news"
    assert not aside[0].text.startswith("(") and not aside[0].text.endswith(")")
    swap = [c for c in claims if "prisoner exchange will take place" in c.text]
    assert swap[0].speaker == "kremlin" and "no news" not in swap[0].text


def test_bullets_and_quotes_are_trimmed_but_balanced():
    _, claims = seed_claims()
    blood = next(c for c in claims if "blood and treasure" in c.text)
    assert blood.text.startswith("\u201c") and blood.speaker == "whitehouse"
    assert all(c.text.count("\u201c") == c.text.count("\u201d") for c in claims)


def _claims_of(text: str) -> list[str]:
    from retrieval.models import Passage

    p = Passage(id="p1", doc="d.md", source="wire", speaker="wire", title="", start=0, end=len(text), text=text)
    return [c.text for c in extract_claims([p])]


def test_labels_lead_ins_and_editors_pointers_are_not_claims():
    text = ("The following summarises the ministry's statement on the results of the talks.\n\n"
            "On the talks with the delegation:\n\n"
            "The sites covered by the inspection regime are:\n\n"
            "The inspection regime will start only after the following conditions have been met:\n\n"
            "Inspectors will visit the sites every month.")
    assert _claims_of(text) == [
        "The inspection regime will start only after the following conditions have been met",
        "Inspectors will visit the sites every month."]
