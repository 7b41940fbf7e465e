"""Label probabilities from a one-token answer: the top log-probabilities mapped to labels, or the label
read from the generated text where an endpoint gives no log-probabilities."""
from __future__ import annotations

import logging
import math
import re
from typing import Sequence

log = logging.getLogger(__name__)


def _norm(token: str) -> str:
    return re.sub(r"^[\W_]+|[\W_]+$", "", token.strip().lower())


def _labels_for(token: str, labels: Sequence[str]) -> list[str]:
    tok = _norm(token)
    if not tok:
        return []
    return [lab for lab in labels if lab.lower().startswith(tok) or tok.startswith(lab.lower())]


def probs_from_logprobs(reply, labels: Sequence[str]) -> dict[str, float] | None:
    try:
        top = reply.choices[0].logprobs.content[0].top_logprobs
    except (AttributeError, IndexError, TypeError):
        return None
    if not top:
        return None
    mass = dict.fromkeys(labels, 0.0)
    for entry in top:
        matches = _labels_for(entry.token, labels)
        for lab in matches:
            mass[lab] += math.exp(entry.logprob) / len(matches)
    total = sum(mass.values())
    if total <= 0:
        return None
    return {lab: p / total for lab, p in mass.items()}


def match_label(text: str, labels: Sequence[str]) -> str | None:
    words = re.findall(r"[\w-]+", text.lower())
    if not words:
        return None
    matches = _labels_for(words[0], labels)
    if len(matches) == 1:
        return matches[0]
    found = [lab for lab in labels if re.search(rf"\b{re.escape(lab.lower())}\b", text.lower())]
    return found[0] if len(found) == 1 else None


def probs_from_text(text: str, labels: Sequence[str]) -> dict[str, float]:
    label = match_label(text, labels)
    if label is None:
        log.warning("No label among %s in the model's answer %r; returning a uniform distribution",
                    list(labels), text[:80])
        return {lab: 1.0 / len(labels) for lab in labels}
    return {lab: float(lab == label) for lab in labels}
