"""Row summaries. A model-written summary is checked like an answer before it is shown: every sentence
must be supported by the row's quotes (`retrieval.answers.citations.support`, the answers' own
scoring), and a sentence that asserts agreement needs an `agree` row and support from each side's
quotes. Otherwise the template summary (quotes only, no claims of its own) is used."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from retrieval.answers.citations import MIN_SUPPORT, support
from retrieval.errors import BusyError, LLMUnavailableError
from retrieval.llm.prompts import load_prompt
from retrieval.compare.models import CompareRow
from retrieval.text import clip, split_sentences, tokenize

log = logging.getLogger(__name__)
MAX_LLM_SUMMARIES = 8
SUMMARY_SUPPORT = max(MIN_SUPPORT, 0.6)  # a summary restates quotes: it must cover most of its words
# "both" asserts agreement ("both say …"), except where it only says both take up the point ("both
# discuss the talks in Riyadh, differently"), which is what a `differ` row is. Agreement is also worded
# as "each say(s)", "like X, Y says", "so does X", "likewise", "similarly", "as well", "too".
AGREEMENT = re.compile(r"\b(agree(?:s|d|ment)?|both\b(?!\s+(?:\w+\s+)?(?:discuss|address|mention|refer|cover)\w*)|"
                       r"same|share[sd]?|alike|concur|consensus|in common|echo(?:es|ed)?|likewise|similarly|"
                       r"each (?:say|says|said|state|stated|call|calls|called|want|wants|support|supports|back|backs)|"
                       r"so (?:does|do|did|has|have)|as does|as well|in line with|consistent with|"
                       r"too(?=\s*(?:[.,;:!?]|$)))\b|(?:^|[,;:]\s*)like\s+(?=\w)", re.IGNORECASE)
# Words that frame a comparison rather than state a fact: no quote has to contain them.
FRAMING = ("say says said state states stated statement statements mention mentions mentioned describe "
           "describes described while whereas but however only both differ differs different differently "
           "terms point source sources side sides addresses address addressed according also neither "
           "other first second this that these on about it they their discuss discusses discussed present presents "
           "presented")
_BOTH = re.compile(r"\bboth\b", re.IGNORECASE)
_RELATION_WORDS = {"agree": "both say the same", "differ": "both address it, differently",
                   "contradict": "they conflict", "only_a": "only the first says this",
                   "only_b": "only the second says this"}


@dataclass
class SummaryStats:
    model: int = 0      # summaries the model wrote
    rejected: int = 0   # ... that the check replaced by the template

    def to_dict(self) -> dict:
        return {"model": self.model, "rejected": self.rejected}


def check_summary(text: str, row: CompareRow, names: tuple[str, str], idf) -> str | None:
    """Why `text` cannot stand as the row's summary, or None when every sentence is supported."""
    frame = " ".join((FRAMING, *names))
    quotes_a = " ".join(c.quote for c in row.a)
    quotes_b = " ".join(c.quote for c in row.b)
    for s in split_sentences(text, 0, len(text)) or []:
        if not tokenize(s.text):
            continue
        if support(s.text, f"{quotes_a} {quotes_b} {frame}", idf) < SUMMARY_SUPPORT:
            return f"unsupported: {s.text[:80]!r}"
        agreement = AGREEMENT.search(s.text)
        if agreement and row.relation != "agree":
            return f"asserts agreement on a {row.relation} row"
        if agreement or _BOTH.search(s.text):  # agreement, or "both address X": each side must support it
            if min(support(s.text, f"{q} {frame}", idf) for q in (quotes_a, quotes_b)) < SUMMARY_SUPPORT:
                return ("asserts agreement one side's quotes do not support" if agreement
                        else "says both sides take up what one side's quotes do not support")
    return None


def template_summary(row: CompareRow, names: tuple[str, str]) -> str:
    a, b = names
    if row.relation == "only_a":
        return f"Only {a} says this: {clip(row.a[0].quote, 110)}"
    if row.relation == "only_b":
        return f"Only {b} says this: {clip(row.b[0].quote, 110)}"
    verb = {"agree": "say the same thing", "differ": "both address this, in different terms",
            "contradict": "conflict on this point"}[row.relation]
    return f"{a} and {b} {verb}: {clip(row.a[0].quote, 70)} / {clip(row.b[0].quote, 70)}"


def summarise(rows: list[CompareRow], names: tuple[str, str], llm, idf) -> SummaryStats:
    """Template summaries for every row; model summaries (checked) for the first rows."""
    stats = SummaryStats()
    prompt = load_prompt("compare_summary", frozenset({"relation", "name_a", "quotes_a", "name_b", "quotes_b"}))
    budget = MAX_LLM_SUMMARIES if llm is not None else 0
    for row in rows:
        row.summary = template_summary(row, names)
        if budget <= 0:
            continue
        budget -= 1
        try:
            text = llm.chat(prompt.render(relation=_RELATION_WORDS[row.relation], name_a=names[0],
                                          quotes_a=_quotes(row.a), name_b=names[1], quotes_b=_quotes(row.b)),
                            max_tokens=60, temperature=0.0, stop=["\n"])
        except (LLMUnavailableError, BusyError) as exc:
            log.warning("compare: summaries fall back to templates (%s)", exc.user_message)
            budget = 0
            continue
        text = one_sentence(text)
        if not text:
            continue
        stats.model += 1
        why = check_summary(text, row, names, idf)
        if why:
            stats.rejected += 1
            log.info("compare: model summary rejected (%s)", why)
        else:
            row.summary = text
    return stats


def _quotes(cits) -> str:
    return " ".join(f"\u201c{c.quote}\u201d" for c in cits) or "(nothing on this point)"


def one_sentence(text: str) -> str:
    text = " ".join((text or "").split()).strip()
    sentences = split_sentences(text)
    text = sentences[0].text if sentences else ""
    return text if 10 <= len(text) <= 300 else ""
