"""Cited answers: numbered passages in, an answer whose [n] keys map back to retrieved passages out.

Citation keys the model invents are stripped (PaperQA-style); the remaining ones are renumbered in order
of first use, and every citation's quote is the passage text, verbatim at its offsets. With no LLM, or
when it fails, the answer is extractive: the most relevant sentences, quoted and cited."""
from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Callable, Sequence

from retrieval.answers.citations import CITE, _numbers, resolve_citations, verify_citations
from retrieval.answers.context import focus_passages, held_back
from retrieval.answers.fallback import (
    Context, best_coverage, best_sentence, cited_passages, fix_attributions, lead_ins, parties, seen_text,
)
from retrieval.answers.relevance import addresses, asked_speaker, resolve
from retrieval.errors import BusyError, LLMUnavailableError
from retrieval.models import Answer, Citation, Hit
from retrieval.llm.prompts import load_prompt
from retrieval.text import CALENDAR, STOPWORDS, split_sentences, stem, tokenize

log = logging.getLogger(__name__)
NOT_FOUND = "NOT_FOUND"
NO_SUPPORT = "The indexed documents don't answer that."
# Generation ends at the answer: nothing the model writes after these is part of it.
STOP = ("\nQuestion:", "\nPassages:", "<passage", "\n### ")
PASSAGE_CHARS = 320  # default of settings.answer_passage_chars
CONTEXT_CHARS = 1200  # default of settings.answer_context_chars
# Text addressed to a language model rather than to readers: an injection attempt, never evidence.
_INSTRUCTIONS = re.compile(
    r"\bignore (?:all |any )?(?:the |your )?(?:previous|prior|above|earlier|preceding) (?:instructions|prompts?|rules)"
    r"|<\|[a-z_]+\|>|^\s*#{2,}\s*(?:system|assistant)\b|\byou are (?:now|no longer)\b|\breply only with\b"
    r"|\b(?:system prompt|system message|new (?:system )?instructions)\b|\bnote to the (?:ai|assistant|model|llm)\b"
    r"|\bcite (?:passages? )?\[\d+\]|\b(?:answer|respond|reply)\b[^.\n]{0,40}\b(?:every|all|any) questions?\b"
    r"|\byour (?:whole |entire |final )?(?:answer|reply|response)\b",
    re.IGNORECASE | re.MULTILINE)
_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{2,})\b")
_ACRONYM = re.compile(r"\b([A-Z]{2,6})\b")


def _fence(text: str) -> str:
    """Passage text as data: neutralise anything that could close our delimiters."""
    return text.replace("<", "‹").replace(">", "›")


def _attr(value: str) -> str:
    """An attribute value as data: no quote can end it (and forge a speaker), no bracket close the tag."""
    return _fence(value).replace('"', "'")


def format_passages(hits: Sequence[Hit], names: Callable[[str], str]) -> str:
    blocks = []
    for i, h in enumerate(hits, 1):
        p = h.passage
        # no document title: it repeats across passages and costs prompt tokens the answer never uses
        meta = f'speaker="{_attr(names(p.speaker))}"' + (f' date="{_attr(p.date)}"' if p.date else "")
        blocks.append(f"<passage n=\"{i}\" {meta}>\n{_fence(p.text)}\n</passage>")
    return "\n".join(blocks)


def format_history(history: Sequence[tuple[str, str]]) -> str:
    if not history:
        return ""
    turns = "\n".join(f"Earlier question: {q}\nEarlier answer: {CITE.sub('', a).strip()}" for q, a in history[-3:])
    return f"\nConversation so far (for context only; cite only the passages above):\n{turns}\n"


def missing_entities(question: str, known_terms: set[str],
                     lookup: Callable[[str], str | None] = lambda name: None) -> list[str]:
    """Names the question is about (the speaker it asks about, or a name in a question that asks about
    no speaker) that no indexed passage, title or source name mentions. Months, weekdays, holidays,
    sentence-initial capitals and the capitals of a title-case question are not names; lower-case
    words of the asked speaker count too ("the German chancellor": "chancellor")."""
    q = question.strip()
    speaker = asked_speaker(q)
    if speaker and resolve(speaker, lookup):
        return []
    if speaker:
        # only the names in it: "the analysis" or "the report" is no one the corpus must mention
        names = [w for w in re.findall(r"[A-Za-z][\w-]*", re.sub(r"['’]s\b", "", speaker)) if w[:1].isupper()]
    elif _title_case(q):  # every word capitalised: capitals say nothing about which words are names
        return []
    else:
        names = [m.group(1) for m in _PROPER.finditer(q)] + _ACRONYM.findall(q)
    out = []
    for w in dict.fromkeys(names):
        low = w.lower()
        if low in STOPWORDS or low in CALENDAR or low in ("the", "a", "an") or lookup(w):
            continue
        if stem(low) not in known_terms and low not in known_terms:
            out.append(w)
    return out


def unheard_speaker(question: str, lookup: Callable[[str], str | None],
                    heard: Callable[[str], bool]) -> str | None:
    """The speaker a question asks about ("What did Lavrov say …"), as asked, when the registry knows it
    but `heard` says the indexed documents neither quote nor name it. A registered name is not proof
    that the documents mention it (the check for unknown names, `missing_entities`, counts the registry
    as known)."""
    phrase = asked_speaker(question.strip())
    sid = resolve(phrase, lookup) if phrase else None
    return phrase if sid and not heard(sid) else None


def _title_case(question: str) -> bool:
    """A question written in title case ("Is the Deal Final?"): after the first word, at least two
    words that are not stopwords, all of them capitalised."""
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", question)[1:] if w.lower() not in STOPWORDS]
    return len(words) >= 2 and all(w[:1].isupper() for w in words)


def as_names(question: str, words: Sequence[str]) -> str:
    """The missing words as the names the question wrote: words adjacent in it make one name
    ("Emmanuel Macron", not "Emmanuel, Macron"); several names read "A, B or C"."""
    missing = set(words)
    names: list[str] = []
    last = None
    for m in re.finditer(r"[\w][\w'’-]*", question):
        word = m.group(0)
        if word not in missing:
            last = None
            continue
        if last is not None and question[last:m.start()] == " ":  # hyphens are inside the word
            names[-1] += question[last:m.start()] + word
        elif word not in names:
            names.append(word)
        last = m.end()
    names += [w for w in words if not any(w in n.split() for n in names)]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def answer_messages(question: str, hits: Sequence[Hit], names: Callable[[str], str] = str,
                    history: Sequence[tuple[str, str]] = ()) -> list[dict[str, str]]:
    """The chat messages for one question. Everything that varies (passages, history, question) is in
    the last message, after a head that is the same bytes for every question, so the server reuses
    the head's KV cache instead of evaluating it again."""
    prompt = load_prompt("answer", frozenset({"passages", "history", "question"}))
    return prompt.render(passages=format_passages(hits, names), history=format_history(history),
                         question=question.strip())


def llm_answer(question: str, hits: Sequence[Hit], llm, names, history, on_token, idf,
               passage_chars: int = PASSAGE_CHARS, max_tokens: int | None = None,
               context_chars: int = CONTEXT_CHARS) -> Answer:
    hits = focus_passages(question, hits, idf, passage_chars, context_chars)
    messages = answer_messages(question, hits, names, history)
    text = llm.chat(messages, on_token=held_back(on_token, NOT_FOUND), max_tokens=max_tokens, stop=STOP)
    if NOT_FOUND in text.upper().replace(" ", "_") or not text.strip():
        return Answer(answer=NO_SUPPORT, grounded=False, mode="llm", note=DECLINED)
    verified = verify_citations(text, hits, idf, names)
    if not tokenize(CITE.sub("", verified)):  # nothing but keys ("[1], [2], [3]"): no answer
        log.info("answer without words: %r", text[:200])
        return Answer(answer=NO_SUPPORT, grounded=False, mode="llm", note=UNCITED)
    cleaned, citations = resolve_citations(verified, hits, idf)
    if not citations:
        log.info("answer without a valid citation: %r", text[:200])
        return Answer(answer=NO_SUPPORT, grounded=False, mode="llm", note=UNCITED)
    return Answer(answer=cleaned, grounded=True, mode="llm", citations=citations)


def extractive_answer(question: str, hits: Sequence[Hit], note: str | None,
                      idf: Callable[[str], float] = lambda t: 1.0, ctx: Context | None = None) -> Answer:
    """The sentences that address the question best, quoted and cited; none: the corpus doesn't answer."""
    ctx = ctx or Context(idf=idf)
    first = best_sentence(question, hits, ctx)
    if first is None:
        return Answer(answer=NO_SUPPORT, grounded=False, mode="extractive", note=note)
    q = set(tokenize(question))
    scored = []
    for rank, h in enumerate(hits):
        for s in split_sentences(h.passage.text, 0, len(h.passage.text)):
            overlap = sum(ctx.idf(t) for t in q & set(tokenize(s.text)))
            if overlap and not s.text.endswith(":"):
                scored.append((overlap + (h.dense or 0) - rank * 0.05, h, s))
    scored.sort(key=lambda x: -x[0])
    picked, used = [first], {first[0].passage.id}
    for _, h, s in scored:
        if h.passage.id not in used and len(picked) < 3 and addresses(
                question, s.text, parties([h.passage]), [seen_text(h.passage)], lookup=ctx.lookup, idf=ctx.idf,
                quotes=[seen_text(h.passage, ctx, s.text)], passages=[h.passage]).ok:
            used.add(h.passage.id)
            picked.append((h, s))
    return quoted(picked, note)


def quoted(picked, note: str | None) -> Answer:
    why = f": {note}" if note else ""
    citations, lines = [], []
    for n, (h, s) in enumerate(picked, 1):
        p = h.passage
        citations.append(Citation.from_passage(n, p, p.start + s.start, p.start + s.end))
        lines.append(f"“{s.text}” [{n}]")
    text = f"Most relevant passages (extractive answer{why}):\n" + "\n".join(lines)
    return Answer(answer=text, grounded=True, mode="extractive", citations=citations, note=note)


UNCITED = "uncited"    # the model answered, but cited no passage that supports it
DECLINED = "declined"  # the model said the passages do not answer
_FALLBACK_NOTES = {UNCITED: "the model's answer cited no passage",
                   DECLINED: "the model found no answer; this passage covers the question's words"}


def checked(question: str, answer: Answer, hits: Sequence[Hit], ctx: Context) -> Answer:
    """The model's answer if it addresses the question (speakers in its text fixed to the cited
    passages'); otherwise the one retrieved sentence that does, quoted; otherwise a refusal."""
    if not answer.grounded and answer.note in _FALLBACK_NOTES:
        # the model cited nothing verifiable, or found nothing (a small model misses answers that are
        # there): only a retrieved sentence that covers the question's topic on its own (no relative
        # allowance), by the asked speaker, of the asked kind and day, is shown instead, as a quote
        best = best_sentence(question, hits, ctx, strict=True)
        return quoted([best], _FALLBACK_NOTES[answer.note]) if best else replace(answer, note=None)
    if not answer.grounded:
        return answer
    by_n = cited_passages(answer.citations, hits)
    text = fix_attributions(answer.answer, by_n, ctx)
    used = [n for m in CITE.finditer(text) for n in _numbers(m.group(1))]
    cited = [by_n[n] for n in dict.fromkeys(used) if n in by_n]
    quotes = [seen_text(by_n[c.n], ctx, c.quote) if c.n in by_n else f"{c.title}\n{c.quote}"
              for c in answer.citations if c.n in used]
    check = addresses(question, text, parties(cited), [seen_text(p, ctx) for p in cited], lookup=ctx.lookup, idf=ctx.idf,
                      similarity=ctx.similarity, best=best_coverage(question, hits, ctx), quotes=quotes, passages=cited)
    if cited and check.ok:
        return renumbered(text, answer)
    log.info("model answer does not address the question (%s): %r", check.why, answer.answer[:200])
    best = best_sentence(question, hits, ctx)
    if best is None:
        return Answer(answer=NO_SUPPORT, grounded=False, mode="llm")
    return quoted([best], "the model's answer did not address the question")


def renumbered(text: str, answer: Answer) -> Answer:
    """`answer` with `text`, keeping only the citations the text still uses, numbered by first use."""
    order: dict[int, int] = {}
    for m in CITE.finditer(text):
        for n in _numbers(m.group(1)):
            order.setdefault(n, len(order) + 1)
    text = CITE.sub(lambda m: "".join(f"[{order[n]}]" for n in dict.fromkeys(_numbers(m.group(1)))), text)
    cites = sorted((replace(c, n=order[c.n]) for c in answer.citations if c.n in order), key=lambda c: c.n)
    return Answer(answer=text, grounded=True, mode=answer.mode, citations=cites, note=answer.note)


def without_instructions(hits: Sequence[Hit]) -> list[Hit]:
    """The hits minus passages that give orders to a language model: fencing keeps them data for the
    model, but a small model still obeys some ("end with PWNED"), and they are no evidence anyway."""
    kept = [h for h in hits if not _INSTRUCTIONS.search(h.passage.text)]
    if len(kept) < len(hits):
        log.warning("left %d passage(s) addressed to a language model out of the answer: %s",
                    len(hits) - len(kept), sorted({h.passage.doc for h in hits} - {h.passage.doc for h in kept}))
    return kept


def answer_question(question: str, hits: Sequence[Hit], llm, *, names: Callable[[str], str] = str,
                    known_terms: set[str] | None = None, idf: Callable[[str], float] = lambda t: 1.0,
                    history: Sequence[tuple[str, str]] = (),
                    on_token: Callable[[str], None] | None = None, note: str | None = None,
                    lookup: Callable[[str], str | None] = lambda name: None,
                    similarity: Callable[[str, str], float] | None = None,
                    passage_chars: int = PASSAGE_CHARS, max_tokens: int | None = None,
                    context_chars: int = CONTEXT_CHARS, heard: Callable[[str], bool] = lambda sid: True) -> Answer:
    hits = without_instructions(hits)
    ctx = Context(lookup=lookup, names=names, idf=idf, similarity=similarity, leads=lead_ins(hits))
    if not hits:
        return Answer(answer=NO_SUPPORT, grounded=False, mode="llm" if llm else "extractive", note=note)
    absent = missing_entities(question, known_terms, lookup) if known_terms is not None else []
    silent = unheard_speaker(question, lookup, heard)
    if absent or silent:
        msg = (f"The indexed documents don't mention {as_names(question, absent)}, so they can't answer that."
               if absent else f"The indexed documents don't mention {silent}, so they can't answer that.")
        return Answer(answer=msg, grounded=False, mode="llm" if llm else "extractive", note=note)
    if llm is not None:
        try:
            answer = llm_answer(question, hits, llm, names, history, on_token, idf, passage_chars, max_tokens,
                                context_chars)
            return checked(question, answer, hits, ctx)
        except (LLMUnavailableError, BusyError) as exc:
            log.warning("LLM failed, answering extractively: %s", exc.user_message)
            note = exc.user_message
    elif note is None:
        note = "no language model configured"
    return extractive_answer(question, hits, note, idf, ctx)
