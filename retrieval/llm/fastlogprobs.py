"""Log-probabilities of a completion without those of its whole prompt: a speed fix for the local server.

llama-cpp-python 0.3.36 answers a completion that asks for log-probabilities (the judge's and the
labellers' `label_probabilities`) with `Llama.logits_to_logprobs(self._scores)[token_offset:]`: a
log-softmax over the rows of every prompt token (the judge's few-shot prompt: ~480 rows of the
151,936-word vocabulary, ~0.8 s on 2 cores), of which it keeps only the completion's one row. `install()`,
run in the server's process before it starts (`local._LAUNCHER`), makes the function return, for a
matrix, an object that computes only the rows it is sliced for, as plain lists (the server then sorts
the row's 151,936 entries; Python floats sort about twice as fast as numpy scalars). A vector is handled
as before. The values are the same floats; only the work is less (`make bench`: `judge_pairs_per_s`)."""
from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

VERIFIED = ("0.3.36",)  # the llama-cpp-python versions whose only matrix call site slices the result


class LazyRows:
    """Rows of log-probabilities computed when sliced (`rows[offset:]`), as lists of Python floats."""

    def __init__(self, logits: np.ndarray, softmax) -> None:
        self.logits = logits
        self.softmax = softmax

    def __len__(self) -> int:
        return len(self.logits)

    def __getitem__(self, key):
        part = self.softmax(self.logits[key])
        return part.tolist()

    def __array__(self, dtype=None, copy=None):  # anything else that reads it whole gets the whole
        out = self.softmax(self.logits)
        return out.astype(dtype) if dtype is not None else out


def install() -> bool:
    """Patch `llama_cpp.Llama.logits_to_logprobs` (a verified version only); True when patched."""
    import llama_cpp

    if getattr(llama_cpp, "__version__", None) not in VERIFIED:
        log.warning("llama-cpp-python %s: log-probabilities not sped up (verified on %s)",
                    getattr(llama_cpp, "__version__", "?"), ", ".join(VERIFIED))
        return False
    original = llama_cpp.Llama.__dict__["logits_to_logprobs"].__func__
    if getattr(original, "lazy_rows", False):
        return True

    def logits_to_logprobs(logits, axis: int = -1):
        if isinstance(logits, np.ndarray) and logits.ndim == 2 and axis == -1:
            return LazyRows(logits, original)
        return original(logits, axis=axis)

    logits_to_logprobs.lazy_rows = True
    llama_cpp.Llama.logits_to_logprobs = staticmethod(logits_to_logprobs)
    return True
