"""Log-probabilities of a completion without those of its whole prompt: a speed fix for the local server.

llama-cpp-python 0.3.36 answers a completion that asks for log-probabilities (the judge's and the
labellers' `label_probabilities`) with `Llama.logits_to_logprobs(self._scores)[token_offset:]`: a
log-softmax over the rows of every prompt token (the judge's few-shot prompt: ~480 rows of the
151,936-word vocabulary, ~0.8 s on 2 cores), of which it keeps only the completion's rows. `install()`,
run in the server's process before it starts (`local._LAUNCHER`), makes the function return, for a
matrix, `LazyRows`: rows computed only once sliced, each handed out as a list of Python floats when read
(the server then sorts the row's 151,936 entries; Python floats sort about twice as fast as numpy
scalars, and JSON carries the same values). A vector, or any other use, is computed as before. The values
are the same floats; only the work is less (`make bench`: `judge_pairs_per_s`)."""
from __future__ import annotations

import logging
from typing import Callable

import numpy as np

log = logging.getLogger(__name__)

VERIFIED = ("0.3.36",)  # llama-cpp-python versions whose one matrix call site only slices rows of the result
Softmax = Callable[[np.ndarray], np.ndarray]


class Rows:
    """Computed rows of log-probabilities; each row is read as a list of Python floats (one at a time,
    so a long echo does not hold every row as Python objects at once)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return Rows(self.values[key])
        return self.values[key].tolist()

    def __iter__(self):
        return (row.tolist() for row in self.values)

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)


class LazyRows:
    """The log-softmax of a matrix of logits, row by row, computed for the rows a slice or index asks for."""

    def __init__(self, logits: np.ndarray, softmax: Softmax) -> None:
        self.logits = logits
        self.softmax = softmax

    def __len__(self) -> int:
        return len(self.logits)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return Rows(self.softmax(self.logits[key]))
        if isinstance(key, (int, np.integer)):
            return self.softmax(self.logits[key]).tolist()
        return self.softmax(self.logits)[key]  # anything else (a column, a cell): from the whole, as before

    def __iter__(self):
        return iter(self[:])

    def __array__(self, dtype=None, copy=None):
        out = self.softmax(self.logits)
        return out if dtype is None else out.astype(dtype)


def install() -> bool:
    """Patch `llama_cpp.Llama.logits_to_logprobs` (a verified version only); True when patched."""
    import llama_cpp

    if getattr(llama_cpp, "__version__", None) not in VERIFIED:
        log.warning("llama-cpp-python %s: log-probabilities not sped up (verified on %s)",
                    getattr(llama_cpp, "__version__", "?"), ", ".join(VERIFIED))
        return False
    current = llama_cpp.Llama.__dict__["logits_to_logprobs"]
    if getattr(current.__func__, "lazy_rows", False):
        return True
    original = current.__func__

    def logits_to_logprobs(logits, axis: int = -1):
        if isinstance(logits, np.ndarray) and logits.ndim == 2 and axis == -1:
            return LazyRows(logits, original)
        return original(logits, axis=axis)

    logits_to_logprobs.lazy_rows = True
    llama_cpp.Llama.logits_to_logprobs = staticmethod(logits_to_logprobs)
    return True
