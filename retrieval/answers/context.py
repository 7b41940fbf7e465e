"""What the model reads: each retrieved passage cut to its sentences that matter for the question.

Prompt evaluation dominates the time to the first token on a CPU model, so a passage longer than the
budget is narrowed to the contiguous run of its sentences (within the budget) whose sentences share the
most informative words with the question (each sentence counted). The run is a span of the passage, so the narrowed passage keeps
exact document offsets and every citation made from it is still a verbatim span of the document."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

from retrieval.models import Hit
from retrieval.text import split_sentences, tokenize, uses


def focus_passages(question: str, hits: Sequence[Hit], idf: Callable[[str], float],
                   max_chars: int, total_chars: int = 0) -> list[Hit]:
    """The hits with each passage longer than `max_chars` narrowed to its best sentence window; with
    `total_chars`, only the best-ranked hits whose texts fit in it (always the first)."""
    terms = set(tokenize(question))
    out, used = [], 0
    for h in hits:
        f = _focus(h, terms, idf, max_chars)
        if out and total_chars and used + len(f.passage.text) > total_chars:
            break
        out.append(f)
        used += len(f.passage.text)
    return out


def _focus(hit: Hit, terms: set[str], idf: Callable[[str], float], max_chars: int) -> Hit:
    p = hit.passage
    if max_chars <= 0 or len(p.text) <= max_chars or p.text.rstrip().endswith(":"):
        return hit  # short enough, or a lead-in whose list follows it
    sentences = split_sentences(p.text, 0, len(p.text))
    if len(sentences) < 2:
        return hit
    # each sentence's share of the question's informative words, summed over a window: a window whose
    # sentences each carry the question's words beats one where a heading names them once
    weight = [sum(idf(t) for t in terms if uses(have, t)) for have in (set(tokenize(s.text)) for s in sentences)]
    best, best_score = (0, 0), -1.0
    for i in range(len(sentences)):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1].end - sentences[i].start <= max_chars:
            j += 1
        score = sum(weight[i:j + 1])
        if score > best_score:  # ties keep the earlier window
            best, best_score = (i, j), score
    s, e = sentences[best[0]].start, sentences[best[1]].end
    if (s, e) == (0, len(p.text)):
        return hit
    return replace(hit, passage=replace(p, text=p.text[s:e], start=p.start + s, end=p.start + e))


def held_back(on_token: Callable[[str], None] | None, word: str) -> Callable[[str], None] | None:
    """`on_token` that holds tokens back while the text so far could still be `word` (the model's
    "nothing found" answer), so a stream never shows the raw marker; other text is passed on."""
    if on_token is None:
        return None
    held: list[str] = []
    state = {"open": False}

    def push(token: str) -> None:
        if state["open"]:
            on_token(token)
            return
        held.append(token)
        text = "".join(held).strip().upper().replace(" ", "_")
        if word.startswith(text) or text.startswith(word):
            return  # still possibly the marker (or it is the marker): show nothing yet
        state["open"] = True
        on_token("".join(held))

    return push
