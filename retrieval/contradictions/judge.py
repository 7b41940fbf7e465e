"""The contradiction judge: how likely is it that claim B conflicts with claim A?

No gate drops a pair. Every pair gets the features of `features.py` (topical overlap, polarity and
stance, opposite predicates, refutation, "not yet" statements, actor/target agreement, quantities of
the same thing, hedging, reported speech, same speaker, date gap, same paragraph, embedding similarity)
and, when a model is asked, its P(contradiction) from the few-shot prompt (`prompts/judge.md`, one-token
answer, label probabilities read from log-probabilities) in both orders, as ONE feature. A logistic model
fitted on labelled pairs (`calibration.py`) turns them into a calibrated confidence; a pair is a
contradiction when the confidence reaches the fitted threshold.

Kinds: `changed position` (one speaker, documents dated apart), `later contradicted` (a statement that
something has not happened, then a later report that it did), else `contradiction`."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from retrieval.contradictions import features as F
from retrieval.contradictions.calibration import Calibration, load
from retrieval.contradictions.claims import reported_party
from retrieval.contradictions.numeric import find_conflict
from retrieval.llm.prompts import load_prompt
from retrieval.models import Claim
from retrieval.text import clip, content_words, stem

log = logging.getLogger(__name__)

LABELS = ("contradiction", "agreement", "unrelated")
KINDS = ("contradiction", "changed position", "later contradicted")
NUMERIC_CONFIDENCE = 0.9  # a deterministic quantity/date conflict on the same measured thing
CLAIM_CHARS = 400  # a claim as shown to the model
# Model calls per pair: 1 (earlier claim first) or 2 (both orders, averaged). One on 2 shared cores: the
# local model's prompt speed made both orders cost ~1 minute per pair under load; the calibration is
# fitted for whichever is set (bench/calibrate.py records it).
ORDERS = 1
topic_overlap = F.topic_overlap  # used by compare
polarity = F.polarity


@dataclass(frozen=True)
class Verdict:
    label: str  # contradiction | agreement | unrelated
    score: float  # calibrated confidence that the pair conflicts
    explanation: str
    method: str = "calibrated"  # calibrated (features only) | llm (features + model)
    kind: str = "contradiction"
    features: dict = field(default_factory=dict)


class Judge:
    def __init__(self, llm=None, names: Callable[[str], str] | None = None,
                 aliases: list[tuple[str, str]] | None = None, idf: Callable[[str], float] | None = None,
                 calibration: Calibration | None = None) -> None:
        self.llm = llm
        self.idf = idf or (lambda stem: 3.0)
        # names of the parties themselves say nothing about what a claim is about
        self.names_stems = {stem(w) for a, _ in (aliases or []) for w in content_words(a)}
        self.names = names or (lambda sid: sid)
        self.aliases = aliases or []
        self.entities = F.EntityNames(self.aliases)
        self._reported: dict[tuple[str, str], bool] = {}
        self.calibration = calibration or load()
        self.prompt = load_prompt("judge", frozenset({"speaker_a", "claim_a", "speaker_b", "claim_b"}))

    # ---- signals -----------------------------------------------------------------------------
    def features(self, a: Claim, b: Claim, similarity: float | None = None, adjacent: bool = False,
                 llm: tuple[float, float] | None = None) -> dict[str, float]:
        reported = any(self._reports_other(c) for c in (a, b))
        return F.pair_features(a, b, idf=self.idf, names=self.entities, ignore=self.names_stems,
                               similarity=similarity, adjacent=adjacent, reported=reported, llm=llm)

    def _reports_other(self, c: Claim) -> bool:
        """The claim only reports what another party said (memoised: the alias patterns are many)."""
        key = (c.text, c.speaker)
        if key not in self._reported:
            party = reported_party(c.text, self.aliases)
            self._reported[key] = party is not None and party != c.speaker
        return self._reported[key]

    def llm_probabilities(self, a: Claim, b: Claim) -> tuple[float, float]:
        """The model's P(contradiction) for (A, B) and, with ORDERS = 2, for (B, A) (else the forward
        answer twice). A is the earlier claim (by date, then document position), so the order is the same
        whichever claim arrived first. May raise LLMUnavailableError / BusyError."""
        a, b = sorted((a, b), key=lambda c: (str(c.date or ""), c.doc, c.start))
        forward = self.llm.label_probabilities(self.messages(a, b), list(LABELS)).get("contradiction", 0.0)
        if ORDERS < 2:
            return forward, forward
        backward = self.llm.label_probabilities(self.messages(b, a), list(LABELS)).get("contradiction", 0.0)
        return forward, backward

    def messages(self, a: Claim, b: Claim) -> list[dict[str, str]]:
        return self.prompt.render(speaker_a=self.names(a.speaker), claim_a=clip(a.text, CLAIM_CHARS),
                                  speaker_b=self.names(b.speaker), claim_b=clip(b.text, CLAIM_CHARS))

    # ---- verdicts ----------------------------------------------------------------------------
    def judge(self, a: Claim, b: Claim, similarity: float | None = None, use_llm: bool = True,
              adjacent: bool = False, llm_probs: tuple[float, float] | None = None) -> Verdict:
        """`adjacent`: the claims sit in one paragraph. `llm_probs`: the model's answers when already
        known (cached); otherwise the model is asked when `use_llm` and one is configured."""
        if llm_probs is None and use_llm and self.llm is not None:
            llm_probs = self.llm_probabilities(a, b)
        feats = self.features(a, b, similarity, adjacent, llm_probs)
        return self.verdict(a, b, feats, with_llm=llm_probs is not None)

    def verdict(self, a: Claim, b: Claim, feats: dict[str, float], with_llm: bool) -> Verdict:
        cal = self.calibration
        p = round(cal.probability(feats, with_llm), 4)
        if feats.get("num_conflict"):
            # The same measured quantity or date stated differently is a conflict on its face. The
            # calibration set holds too few of them to fit a weight (one pair), so the fitted model
            # cannot speak for them: they keep the deterministic check's confidence.
            p = max(p, NUMERIC_CONFIDENCE)
        threshold = cal.threshold(with_llm)
        kind = self.kind(a, b)
        method = "llm" if with_llm else "calibrated"
        log.debug("judge p=%.3f kind=%s %s | %s | %s", p, kind, cal.nollm.contributions(feats), a.text[:60],
                  b.text[:60])
        if p >= threshold:
            return Verdict("contradiction", p, self.explain(a, b, kind, p), method, kind, feats)
        label = "agreement" if feats.get("num_agree") or (
            feats["topic_share"] > 0.5 and not feats["polarity"] and not feats["antonym"]) else "unrelated"
        return Verdict(label, p, f"confidence {p:.2f} below {threshold:.2f}", method, kind, feats)

    def score(self, a: Claim, b: Claim, feats: dict[str, float], with_llm: bool) -> float:
        return self.calibration.probability(feats, with_llm)

    def threshold(self, with_llm: bool) -> float:
        return self.calibration.threshold(with_llm)

    @staticmethod
    def kind(a: Claim, b: Claim) -> str:
        gap = F.days_between(a.date, b.date)
        if F.later_contradicted(a, b):
            return "later contradicted"
        if a.speaker == b.speaker and gap:
            return "changed position"
        return "contradiction"

    # ---- explanations ------------------------------------------------------------------------
    def explain(self, a: Claim, b: Claim, kind: str, p: float) -> str:
        na, nb = self.names(a.speaker), self.names(b.speaker)
        conflict = find_conflict(a.text, b.text)
        if kind == "changed position":
            first, then = sorted((a, b), key=lambda c: str(c.date))
            return (f"{na} changed position between {first.date} and {then.date}"
                    f"{self._about(a, b)} (confidence {p:.2f}).")
        if kind == "later contradicted":
            early, late = sorted((a, b), key=lambda c: str(c.date))
            return (f"{self.names(early.speaker)} said on {early.date} that it had not happened; "
                    f"{self.names(late.speaker)} reported on {late.date} that it had{self._about(a, b)} "
                    f"(confidence {p:.2f}).")
        if conflict is not None:
            return f"{na} and {nb} give {conflict.describe()} (confidence {p:.2f})."
        return f"{_possessive(nb)} account conflicts with {_possessive(na)}{self._about(a, b)} (confidence {p:.2f})."

    def _about(self, a: Claim, b: Claim) -> str:
        topic = shared_terms(a.text, b.text, self.idf, self.names_stems)
        return f" about {', '.join(topic)}" if topic else ""


def opposed(a: str, b: str) -> bool:
    """One is negated and the other not, or one halts what the other does (used by compare)."""
    (na, sa), (nb, sb) = polarity(a), polarity(b)
    return na != nb or (sa is not None and sb is not None and sa != sb)


def shared_terms(a: str, b: str, idf: Callable[[str], float], ignore: set[str] = frozenset(),
                 limit: int = 3) -> list[str]:
    """Content words both texts use (by crude stem), rarest first: a truthful topic hint."""
    stems_b = {stem(w) for w in content_words(b)} - set(ignore)
    words: dict[str, str] = {}
    for w in content_words(a):
        if stem(w) in stems_b:
            words.setdefault(stem(w), w.replace("’", "'"))
    return [words[s] for s in sorted(words, key=lambda s: -idf(s))][:limit]


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")

