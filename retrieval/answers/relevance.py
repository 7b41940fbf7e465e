"""Does an answer answer the question? Citations that support a sentence are not enough: a sentence
about Iran "agreeing" something, cited verbatim, does not answer "What was agreed about a prisoner
exchange?". Two checks before an answer is shown:

- the asked-about speaker ("What did <the German chancellor> say …", "According to <X>, …") must be
  the cited passage's speaker, or be named in the cited passage;
- the question's topic terms (its content words minus the speaker, question scaffolding and calendar
  words) must mostly appear in the answer or the passages it cites (idf-weighted), or the answer must
  be close in meaning to the question (embedding similarity), for paraphrases.

Also here: "According to X" / "X said" in an answer must name the cited passage's speaker."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from retrieval.text import CALENDAR, MONTHS, REPORT_VERBS, stem, tokenize

TOPIC_MIN = 0.5       # share of the topic's idf weight the answer + cited passages must cover
RELATIVE_MIN = 0.3    # or: at least this share, and nearly as much as the best retrieved passage covers
RELATIVE_SHARE = 0.9  # "nearly": this share of the best passage's coverage
PRONOUNS = frozenset("he she it they we i you him her them his its their this that these those".split())
SIMILAR_MIN = 0.55    # or: cosine between the question and an answer sentence (MiniLM)
# Words that shape a question without saying what it is about.
SCAFFOLD = frozenset(stem(w) for w in """according tell told mention mentioned statement statements say said
says happen happened many much long date day time number kind type types which what who whom whose whether
claim announce propose demand conclude find rule agree agreed list decide think call offer promise warn accuse
deny reject describe dismiss admit blame report confirm insist respond reply react write believe accept stress
note suggest threaten urge""".split())
_AUX = r"(?:did|does|do|has|have|had|was|were|is|are|will|would|could|can)"
# Verbs of saying and stance: "What did X <verb> …" asks what X said; "did each side release" does not.
_VERBS = (r"(?:say|said|tell|claim|announce|propose|demand|conclude|find|rule|agree|want|list|mention|"
          r"decide|think|call|offer|promise|warn|accuse|deny|reject|describe|dismiss|admit|blame|report|"
          r"confirm|insist|respond|reply|react|write|believe|accept|stress|note|suggest|threaten|urge)\b")
_DATE = re.compile(r"\b(?:\d{1,2}\s+(?:%s)|(?:%s)\s+\d{1,2}|(?:19|20)\d\d)\b" % ("|".join(MONTHS), "|".join(MONTHS)),
                   re.IGNORECASE)
_SUBJECT = re.compile(rf"\b{_AUX}\s+(?P<s>(?:(?!{_AUX}\b)[\w'’.-]+\s+){{0,7}}?)(?={_VERBS})", re.IGNORECASE)
_ACCORDING = re.compile(r"\baccording to\s+(?P<s>[^,.;?\[]+)", re.IGNORECASE)
_SAID = re.compile(rf"^(?P<s>(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[\w'’.-]+){{0,5}}?)\s+{REPORT_VERBS}\b")


@dataclass
class Check:
    ok: bool
    why: str = ""


def asked_speaker(question: str) -> str | None:
    """Who the question asks about: "According to X, …" or the subject of "What did X say …"."""
    m = _ACCORDING.search(question) or _SUBJECT.search(question)
    if not m:
        return None
    return m.group("s").strip() or None


def resolve(phrase: str, lookup: Callable[[str], str | None]) -> str | None:
    """A source id for the phrase or its longest part that names one ("Canada's forensic team" →
    "forensic team", "the White House readouts" → "White House")."""
    words = phrase.replace("’", "'").split()
    spans = sorted(((i, j) for i in range(len(words)) for j in range(i + 1, len(words) + 1)),
                   key=lambda ij: (ij[0] - ij[1], ij[0]))
    for i, j in spans:
        part = " ".join(words[i:j])
        if part.lower() in ("the", "a", "an", "of", "s"):
            continue
        for cand in (part, re.sub(r"^(?:the|a|an) ", "", part, flags=re.IGNORECASE)):
            sid = lookup(cand) or lookup(re.sub(r"'s\b", "", cand))
            if sid:
                return sid
    return None


def topic_terms(question: str, speaker: str | None) -> set[str]:
    """The question's content stems minus the speaker's, the scaffolding and dates ("19 March", 2020)."""
    drop = set(tokenize(speaker or "")) | SCAFFOLD | {stem(w) for w in CALENDAR}
    return set(tokenize(_DATE.sub(" ", question))) - drop


def coverage(terms: set[str], text: str, idf: Callable[[str], float]) -> float:
    """Share of the terms' idf weight that `text` uses; a term also counts inside a compound ending in
    it ("strike" in "airstrikes")."""
    if not terms:
        return 1.0
    have = set(tokenize(text))
    total = sum(idf(t) for t in terms)
    return sum(idf(t) for t in terms if uses(have, t)) / total if total else 1.0


def uses(have: set[str], term: str) -> bool:
    return term in have or (len(term) >= 4 and any(len(w) > len(term) + 2 and w.endswith(term) for w in have))


def is_constraint(phrase: str | None, lookup: Callable[[str], str | None]) -> bool:
    """Whether an asked-about phrase restricts who may be cited: a known source or a name ("the German
    chancellor"); not a pronoun ("he": whoever the conversation or the source filter is about) or a
    common noun ("the analysis", "the report")."""
    if not phrase or phrase.lower() in PRONOUNS:
        return False
    return resolve(phrase, lookup) is not None or any(w[:1].isupper() for w in phrase.split())


def speaker_matches(phrase: str | None, speakers: Sequence[str], texts: Sequence[str],
                    lookup: Callable[[str], str | None]) -> bool:
    """The asked speaker is a cited passage's speaker/source, or is named in a cited passage."""
    if not is_constraint(phrase, lookup):
        return True
    sid = resolve(phrase, lookup)
    if sid is not None and sid in speakers:
        return True
    words = set(tokenize(phrase))
    have = set(tokenize(" ".join(texts)))
    return bool(words) and len(words & have) >= max(1, round(0.75 * len(words)))


def addresses(question: str, answer_text: str, speakers: Sequence[str], texts: Sequence[str], *,
              lookup: Callable[[str], str | None], idf: Callable[[str], float],
              similarity: Callable[[str, str], float] | None = None, best: float = 1.0,
              quotes: Sequence[str] | None = None) -> Check:
    """Whether an answer (its text, its cited passages' speakers and texts) addresses the question.
    `best`: the topic coverage of the best retrieved passage; an answer from a passage that covers
    nearly as much as the best one does addresses the question as well as the corpus can. `quotes`: the
    cited spans, when the topic must be covered by what is quoted rather than by the whole passages (an
    answer citing a passage's opening line does not answer from the passage's last one)."""
    phrase = asked_speaker(question)
    if not speaker_matches(phrase, speakers, texts, lookup):
        return Check(False, f"the cited passages are not by or about {phrase}")
    terms = topic_terms(question, phrase)
    cov = coverage(terms, answer_text + "\n" + "\n".join(texts if quotes is None else quotes), idf)
    if cov >= TOPIC_MIN or (cov >= RELATIVE_MIN and cov >= RELATIVE_SHARE * best):
        return Check(True, f"topic coverage {cov:.2f} (best passage {best:.2f})")
    sim = similarity(question, answer_text) if similarity and answer_text.strip() else 0.0
    if sim >= SIMILAR_MIN:
        return Check(True, f"similarity {sim:.2f}")
    return Check(False, f"topic coverage {cov:.2f}, similarity {sim:.2f}")


def fix_speakers(sentence: str, speakers: Sequence[str], texts: Sequence[str],
                 lookup: Callable[[str], str | None], names: Callable[[str], str]) -> str | None:
    """The sentence with its "According to X" / "X said" naming the cited passage's speaker; None when
    the sentence names someone else and cannot be fixed (no cited speaker to name instead)."""
    for pattern in (_ACCORDING, _SAID):
        m = pattern.search(sentence)
        if not m:
            continue
        phrase = m.group("s").strip()
        if speaker_matches(phrase, speakers, texts, lookup):
            return sentence
        who = [s for s in speakers if s not in ("news",)] or list(speakers)
        if not who:
            return None
        name = names(who[0])
        if pattern is _ACCORDING:
            name = name[:1].lower() + name[1:] if name.startswith("The ") else name
        return sentence[:m.start("s")] + name + sentence[m.end("s"):]
    return sentence


# ---- applying the checks to an answer -------------------------------------------------------------
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
    from retrieval.answers.citations import CITE, _numbers
    from retrieval.text import split_sentences

    out, pos = [], 0
    for s in split_sentences(text, 0, len(text)):
        out.append(text[pos:s.start])
        ps = [by_n[n] for m in CITE.finditer(s.text) for n in _numbers(m.group(1)) if n in by_n]
        fixed = fix_speakers(s.text, [p.speaker for p in ps], [seen_text(p) for p in ps], ctx.lookup, ctx.names) \
            if ps else s.text
        if fixed is not None:
            out.append(fixed)
        pos = s.end
    out.append(text[pos:])
    return "".join(out).strip()


def scored_sentences(question: str, hits, ctx: Context):
    """(hit, sentence, topic coverage) of each retrieved sentence by or about the asked speaker, read
    with its document's title and its list's lead-in."""
    from retrieval.text import split_sentences

    phrase = asked_speaker(question)
    terms = topic_terms(question, phrase)
    for h in hits:
        p = h.passage
        if not speaker_matches(phrase, [p.speaker, p.source], [seen_text(p)], ctx.lookup):
            continue
        for s in split_sentences(p.text, 0, len(p.text)):
            yield h, s, coverage(terms, seen_text(p, ctx, s.text), ctx.idf)


def best_coverage(question: str, hits, ctx: Context) -> float:
    """The topic coverage of the best retrieved sentence: how well the corpus can answer, on the scale
    of a quoted answer."""
    return max((cov for _, _, cov in scored_sentences(question, hits, ctx)), default=1.0)


def best_sentence(question: str, hits, ctx: Context, strict: bool = False):
    """(hit, sentence) of the retrieved sentence that best addresses the question, or None. `strict`:
    it must cover the topic on its own (TOPIC_MIN), not just as well as anything retrieved."""
    scored = list(scored_sentences(question, hits, ctx))
    best, best_cov = None, -1.0
    for h, s, cov in scored:
        if not s.text.endswith(":") and cov > best_cov:  # a lead-in is no answer
            best, best_cov = (h, s), cov
    if best is None:
        return None
    h, s = best
    most = 1.0 if strict else max((cov for _, _, cov in scored), default=1.0)
    check = addresses(question, s.text, parties([h.passage]), [seen_text(h.passage, ctx)], lookup=ctx.lookup, idf=ctx.idf,
                      similarity=ctx.similarity, best=most)
    return best if check.ok else None
