"""Row summaries are checked like answers: crafted model sentences that the quotes do not support, or
that claim agreement on a row that is not `agree`, are replaced by the template; supported ones stay."""
import pytest

from retrieval.compare.align import make_idf
from retrieval.compare.summary import check_summary, summarise, template_summary
from retrieval.compare.models import CompareRow
from retrieval.models import Citation

NAMES = ("The Kremlin", "The White House")
GRATITUDE = "Putin expressed gratitude to Trump for his desire to help end the war."
END_CONFLICT = "Both Trump and Putin have agreed that the conflict needs to end and lasting peace needs to be established."


def cite(speaker: str, quote: str) -> Citation:
    return Citation(n=0, source="news", speaker=speaker, doc="d.md", title="t", quote=quote, start=0,
                    end=len(quote), date="2025-03-19")


def row(relation: str, a: str | None, b: str | None) -> CompareRow:
    return CompareRow(relation, "", [cite("kremlin", a)] if a else [], [cite("whitehouse", b)] if b else [])


IDF = make_idf([GRATITUDE, END_CONFLICT, "The US and Russia will expand their bilateral relationship.",
                "Putin ordered the Russian military to halt attacks on energy plants."])


def test_agreement_claimed_on_a_differ_row_is_rejected():
    r = row("differ", GRATITUDE, END_CONFLICT)
    crafted = ("Both sources agree that Putin expressed gratitude to Trump for his desire to help end the war, "
               "but they differ on how this was achieved.")
    assert check_summary(crafted, r, NAMES, IDF)


def test_both_taking_up_a_point_is_not_agreement_but_both_saying_it_is():
    r = row("differ", GRATITUDE, END_CONFLICT)
    took_up = "The Kremlin and the White House both discuss Putin and Trump and the end of the war, differently."
    assert check_summary(took_up, r, NAMES, IDF) is None
    assert check_summary("The Kremlin and the White House both say the war needs to end.", r, NAMES, IDF)
    # each side must take up what "both" says they do: the White House quote says nothing of gratitude
    assert check_summary("Both sources discuss the gratitude expressed for a desire to help end the war.",
                         r, NAMES, IDF)


@pytest.mark.parametrize("crafted", [
    "The Kremlin and the White House each say the conflict needs to end.",
    "Like the White House, the Kremlin says Trump and Putin want to end the war.",
    "The Kremlin says Putin wants to end the war, and so does the White House.",
    "The Kremlin says Putin wants the war to end; the White House likewise says the conflict needs to end.",
    "The Kremlin, like the White House, says the war needs to end.",
    "The White House says the conflict needs to end, too.",
])
def test_agreement_in_other_words_on_a_differ_row_is_rejected(crafted):
    assert check_summary(crafted, row("differ", GRATITUDE, END_CONFLICT), NAMES, IDF)


def test_words_near_agreement_that_do_not_claim_it_stay():
    r = row("only_a", "Russia would like to see sanctions lifted before any ceasefire.", None)
    for text in ("The Kremlin says Russia would like to see sanctions lifted before any ceasefire.",
                 "Unlike the White House, the Kremlin says Russia would like to see sanctions lifted."):
        assert check_summary(text, r, NAMES, make_idf([r.a[0].quote, GRATITUDE, END_CONFLICT])) is None


def test_a_statement_no_quote_makes_is_rejected():
    r = row("only_a", GRATITUDE, None)
    assert check_summary("The Kremlin says Putin promised to withdraw troops from Kursk by Friday.", r, NAMES, IDF)


def test_agreement_needs_support_from_both_sides():
    r = row("agree", GRATITUDE, END_CONFLICT)
    assert check_summary("Both say Putin expressed gratitude to Trump for his desire to help.", r, NAMES, IDF)


def test_a_summary_the_quotes_support_stands():
    r = row("differ", GRATITUDE, END_CONFLICT)
    ok = "The Kremlin says Putin expressed gratitude to Trump; the White House says the conflict needs to end."
    assert check_summary(ok, r, NAMES, IDF) is None
    agree = row("agree", "The US and Russia will work on improving bilateral ties.",
                "The US and Russia will expand their bilateral relationship.")
    assert check_summary("Both say the US and Russia will improve their bilateral relationship.", agree,
                         NAMES, IDF) is None


class Scripted:
    """A ChatModel stand-in that returns fixed sentences, to drive `summarise` deterministically."""

    model = "scripted"

    def __init__(self, replies):
        self.replies = list(replies)

    def chat(self, messages, **kw):
        return self.replies.pop(0)


def test_summarise_replaces_unsupported_model_summaries_with_the_template():
    rows = [row("differ", GRATITUDE, END_CONFLICT), row("only_a", GRATITUDE, None)]
    llm = Scripted(["Both sources agree that Putin thanked Trump for ending the war.",
                    "The Kremlin says Putin expressed gratitude to Trump for his desire to help end the war."])
    stats = summarise(rows, NAMES, llm, IDF)
    assert stats.model == 2 and stats.rejected == 1
    assert rows[0].summary == template_summary(rows[0], NAMES)
    assert rows[1].summary.startswith("The Kremlin says Putin expressed gratitude")


@pytest.mark.slow
def test_real_model_summaries_are_supported_or_replaced(llm_settings):
    from retrieval.service import Analyst

    svc = Analyst(llm_settings)
    try:
        svc.index(detect=False)
        res = svc.compare("kremlin", "whitehouse", topic="energy")
    finally:
        svc.close()
    assert res.summaries["model"] > 0
    names = (svc.registry.display("kremlin"), svc.registry.display("whitehouse"))
    idf = make_idf([c.quote for r in res.rows for c in (*r.a, *r.b)])
    for r in res.rows:
        if r.summary != template_summary(r, names):  # a model summary was kept: it passes the check
            assert check_summary(r.summary, r, names, idf) is None, r.summary
            if r.relation != "agree":
                assert " agree" not in r.summary.lower()
