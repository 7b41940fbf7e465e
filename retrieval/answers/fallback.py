"""The checks of relevance.py applied to an answer and its retrieved passages: what a reader sees of a
passage (title, list lead-in, text), which passage each citation quotes, "According to X" fixed to the
cited speaker, and the one retrieved sentence that best answers when the model's answer does not."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from retrieval.answers.citations import CITE, _numbers
from retrieval.answers.dates import about_day, asked_day
from retrieval.answers.kinds import asked_kind, gives
from retrieval.answers.relevance import (
    ACCORDING, SAID_BY, addresses, asked_speaker, coverage, fix_speakers, is_constraint, resolve, speaker_matches,
    weighted_terms,
)
from retrieval.text import split_sentences


@dataclass
class Context:
    """What the checks need from the service: source names, idf, and (optionally) meaning."""

    lookup: Callable[[str], str | None] = lambda name: None
    names: Callable[[str], str] = str
    idf: Callable[[str], float] = lambda t: 1.0
    similarity: Callable[[str, str], float] | None = None
    leads: dict[str, str] = field(default_factory=dict)  # list item passage id -> its lead-in's text


LEAD_GAP = 600  # a list item starts at most this many characters after its lead-in ends


def lead_ins(hits) -> dict[str, str]:
    """Passage id → the text of the list lead-in it belongs to ("Ukraine expects the following from
    Iran:" for the item "a full admission of guilt;"): the nearest retrieved passage of the same
    document and speaker that ends with ':' and ends shortly before it. An item is read with it."""
    leads = [h.passage for h in hits if h.passage.text.rstrip().endswith(":")]
    out = {}
    for h in hits:
        p = h.passage
        near = [q for q in leads if q.doc == p.doc and q.speaker == p.speaker and q.end <= p.start <= q.end + LEAD_GAP]
        if near:
            out[p.id] = max(near, key=lambda q: q.end).text
    return out


def cited_passages(citations, hits) -> dict[int, object]:
    """Citation number → the retrieved passage its quote comes from."""
    out = {}
    for c in citations:
        for h in hits:
            p = h.passage
            if p.doc == c.doc and p.start <= c.start and c.end <= p.end:
                out[c.n] = p
                break
    return out


def seen_text(p, ctx: Context | None = None, text: str | None = None) -> str:
    """What a reader sees of a passage (or of `text`, a part of it): its document's title, its list's
    lead-in, the text."""
    lead = ctx.leads.get(p.id, "") if ctx else ""
    body = p.text if text is None else text
    return f"{p.title}\n{lead}\n{body}" if lead else f"{p.title}\n{body}"


def parties(passages) -> list[str]:
    return list(dict.fromkeys(x for p in passages for x in (p.speaker, p.source)))


def fix_attributions(text: str, by_n: dict[int, object], ctx: Context) -> str:
    """Each sentence's "According to X" / "X said" made to name its cited passage's speaker; a
    sentence naming someone else that cannot be fixed is dropped."""
    out, pos = [], 0
    for s in split_sentences(text, 0, len(text)):
        out.append(text[pos:s.start])
        ps = [by_n[n] for m in CITE.finditer(s.text) for n in _numbers(m.group(1)) if n in by_n]
        fixed = fix_speakers(s.text, [p.speaker for p in ps], [seen_text(p) for p in ps], ctx.lookup, ctx.names,
                             [p.source for p in ps]) if ps else s.text
        if fixed is not None:
            out.append(fixed)
        pos = s.end
    out.append(text[pos:])
    return "".join(out).strip()


def scored_sentences(question: str, hits, ctx: Context):
    """(hit, sentence, topic coverage) of each retrieved sentence by or about the asked speaker, read
    with its document's title and its list's lead-in."""
    phrase = asked_speaker(question)
    terms = weighted_terms(question, phrase)
    asked = resolve(phrase, ctx.lookup) if is_constraint(phrase, ctx.lookup) else None
    for h in hits:
        p = h.passage
        # by the asked speaker, or naming them in its text: a document title naming them is not enough
        if not speaker_matches(phrase, [p.speaker, p.source], [f"{ctx.leads.get(p.id, '')}\n{p.text}"], ctx.lookup):
            continue
        for s in split_sentences(p.text, 0, len(p.text)):
            if asked and reports_other(s.text, asked, ctx.lookup):
                continue  # "The Kremlin claims that …" in Zelenskyy's address is not Zelenskyy's answer
            yield h, s, coverage(terms, seen_text(p, ctx, s.text), ctx.idf)


def reports_other(sentence: str, sid: str, lookup: Callable[[str], str | None]) -> bool:
    """Whether the sentence reports what another known source says ("X claims that …", "according to
    X, …")."""
    for pattern in (ACCORDING, SAID_BY):
        m = pattern.search(sentence)
        other = resolve(m.group("s").strip(), lookup) if m else None
        if other is not None and other != sid:
            return True
    return False


def best_coverage(question: str, hits, ctx: Context) -> float:
    """The topic coverage of the best retrieved sentence: how well the corpus can answer, on the scale
    of a quoted answer."""
    return max((cov for _, _, cov in scored_sentences(question, hits, ctx)), default=1.0)


def best_sentence(question: str, hits, ctx: Context, strict: bool = False):
    """(hit, sentence) of the retrieved sentence that best addresses the question, or None. `strict`:
    it must cover the topic on its own (TOPIC_MIN), not just as well as anything retrieved."""
    scored = list(scored_sentences(question, hits, ctx))
    kind, day = asked_kind(question), asked_day(question)
    terms = weighted_terms(question, asked_speaker(question))
    best, best_key = None, (-1.0, -1.0)
    for h, s, cov in scored:
        # ties (the title supplies the same words to every sentence) go to the sentence (with its list's
        # lead-in) that says more itself
        key = (round(cov, 6), coverage(terms, f"{ctx.leads.get(h.passage.id, '')}\n{s.text}", ctx.idf))
        if key <= best_key or s.text.endswith(":"):  # a lead-in is no answer
            continue
        if gives(kind, seen_text(h.passage, ctx, s.text)) and (day is None or about_day(day, h.passage, h.passage.text)):
            best, best_key = (h, s), key  # a "how many" needs a number, an "on 19 March" that day
    if best is None:
        return None
    h, s = best
    most = 1.0 if strict else max((cov for _, _, cov in scored), default=1.0)
    check = addresses(question, s.text, parties([h.passage]), [seen_text(h.passage, ctx)], lookup=ctx.lookup, idf=ctx.idf,
                      similarity=ctx.similarity, best=most, quotes=[seen_text(h.passage, ctx, s.text)],
                      passages=[h.passage])
    return best if check.ok else None
