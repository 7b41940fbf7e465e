"""The server's log-probabilities of a completion, computed for its own rows only (fastlogprobs.py).

Against the installed llama-cpp-python (the patched function is pure numpy: no model needed), its source
(the one call site the patch relies on), the launcher, and a real server started by LocalLLMServer (slow)."""
from __future__ import annotations

import inspect
import re
import subprocess
import sys

import numpy as np
import pytest

from retrieval.llm import fastlogprobs
from retrieval.llm.local import _LAUNCHER

VOCAB = 151_936  # Qwen2.5's vocabulary: the width the server computes


@pytest.fixture
def patched():
    """(the patched Llama class, the library's own unpatched function)."""
    import llama_cpp

    before = llama_cpp.Llama.__dict__["logits_to_logprobs"]
    assert fastlogprobs.install()
    yield llama_cpp.Llama, before.__func__
    llama_cpp.Llama.logits_to_logprobs = before


def test_sliced_rows_equal_the_library_s_own(patched):
    llama, own = patched
    logits = np.random.default_rng(7).normal(size=(6, VOCAB)).astype(np.single) * 8
    logits[3, 5] = -np.inf
    full = own(logits)
    rows = llama.logits_to_logprobs(logits)
    assert isinstance(rows, fastlogprobs.LazyRows) and len(rows) == 6
    tail = rows[5:]
    assert len(tail) == 1 and isinstance(tail[0], list) and isinstance(tail[0][0], float)
    assert np.array_equal(np.asarray(list(tail), dtype=np.single), full[5:])
    assert np.array_equal(np.asarray(rows[3], dtype=np.single), full[3]) and rows[3][5] == -np.inf
    assert np.array_equal(np.asarray(rows[-1], dtype=np.single), full[-1])
    assert len(rows[6:]) == 0 and list(rows[6:]) == []
    assert np.array_equal(np.asarray([r for r in rows]), full)  # iterated whole: every row
    assert np.array_equal(np.asarray(rows), full)  # read as an array: the whole


def test_other_keys_read_the_whole(patched):
    llama, own = patched
    logits = np.random.default_rng(3).normal(size=(4, 50)).astype(np.single)
    rows, full = llama.logits_to_logprobs(logits), own(logits)
    assert np.array_equal(rows[1:3, 7], full[1:3, 7])  # a column is not normalised down the column
    assert rows[2, 9] == full[2, 9]


def test_a_vector_is_computed_as_before(patched):
    llama, own = patched
    logits = np.array([2.0, 1.0, -1.0], dtype=np.single)
    out = llama.logits_to_logprobs(logits)
    assert isinstance(out, np.ndarray) and np.array_equal(out, own(logits))


def test_install_twice_patches_once(patched):
    llama, _ = patched
    first = llama.__dict__["logits_to_logprobs"]
    assert fastlogprobs.install()
    assert llama.__dict__["logits_to_logprobs"] is first


def test_unverified_version_is_left_alone(monkeypatch, caplog):
    import llama_cpp

    monkeypatch.setattr(llama_cpp, "__version__", "0.0.1")
    before = llama_cpp.Llama.__dict__["logits_to_logprobs"]
    assert not fastlogprobs.install()
    assert llama_cpp.Llama.__dict__["logits_to_logprobs"] is before
    assert "not sped up" in caplog.text


def test_the_verified_library_calls_it_as_the_patch_assumes():
    """In llama_cpp, the only call on a matrix slices rows of the result; the others pass one row and
    read it with .tolist(). A new version that reads the result otherwise must be verified again."""
    import llama_cpp
    from llama_cpp import llama

    assert llama_cpp.__version__ in fastlogprobs.VERIFIED
    calls = re.findall(r"Llama\.logits_to_logprobs\(([^)]*)\)(\S*)", inspect.getsource(llama))
    assert sorted(calls) == sorted([("logits", ".tolist()"), ("logits", ".tolist()"),
                                    ("self._scores", "[token_offset:]")])


def test_the_launcher_installs_it():
    """The launcher's set-up, up to where it hands over to llama_cpp.server, run in a fresh interpreter."""
    setup = _LAUNCHER[_LAUNCHER.index("try:"):_LAUNCHER.index('sys.argv[0] = "llama_cpp.server"')]
    code = ("import sys\n" + setup +
            "import llama_cpp\nassert llama_cpp.Llama.logits_to_logprobs.lazy_rows\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "log-probabilities of the completion's rows only" in done.stderr


@pytest.mark.slow
def test_the_local_server_runs_patched(local_llm_server, local_llm_url):
    """The real server says it runs patched, and its label probabilities come from log-probabilities
    (not the text fallback): the answer's token is among the top ones with a probability below one."""
    from openai import OpenAI

    from retrieval.llm.labels import probs_from_logprobs

    client = OpenAI(base_url=local_llm_url, api_key="none", timeout=300)
    reply = client.chat.completions.create(
        model="local", messages=[{"role": "user", "content": "Is Paris the capital of France? Answer yes or no."}],
        max_tokens=1, temperature=0, logprobs=True, top_logprobs=10)
    top = reply.choices[0].logprobs.content[0].top_logprobs
    assert len(top) >= 2 and all(t.logprob <= 0 for t in top)
    probs = probs_from_logprobs(reply, ["yes", "no"])
    assert probs is not None and 0.5 < probs["yes"] < 1.0 and probs["no"] > 0  # both labels in the top
    log = local_llm_server.log_tail(10**6)  # this run of the server only
    assert "log-probabilities of the completion's rows only" in log and "not sped up" not in log
