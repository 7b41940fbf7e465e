"""The server's log-probabilities of a completion, computed for its own rows only (fastlogprobs.py).

Against the installed llama-cpp-python (no model needed: the patched function is pure numpy), and
through a real server started by LocalLLMServer (slow, below)."""
from __future__ import annotations

import numpy as np
import pytest

from retrieval.llm import fastlogprobs


@pytest.fixture
def patched():
    import llama_cpp

    before = llama_cpp.Llama.__dict__["logits_to_logprobs"]
    assert fastlogprobs.install()
    yield llama_cpp.Llama
    llama_cpp.Llama.logits_to_logprobs = before


def test_sliced_rows_equal_the_full_computation(patched):
    logits = np.random.default_rng(7).normal(size=(480, 2000)).astype(np.single) * 8
    logits[3, 5] = -np.inf
    rows = patched.logits_to_logprobs(logits)
    assert isinstance(rows, fastlogprobs.LazyRows) and len(rows) == 480
    full = rows.softmax(logits)  # the library's own function, kept by the patch
    tail = rows[477:]
    assert isinstance(tail, list) and len(tail) == 3 and isinstance(tail[0][0], float)
    assert np.array_equal(np.asarray(tail, dtype=np.single), full[477:])
    assert np.array_equal(np.asarray(rows), full)  # read whole, it is the whole
    assert full[3, 5] == -np.inf and np.allclose(np.exp(full).sum(axis=1), 1.0, atol=1e-3)


def test_a_vector_is_computed_as_before(patched):
    logits = np.array([2.0, 1.0, -1.0], dtype=np.single)
    out = patched.logits_to_logprobs(logits)
    assert isinstance(out, np.ndarray)
    assert np.allclose(out, np.log(np.exp(logits) / np.exp(logits).sum()))


def test_install_twice_patches_once(patched):
    first = patched.__dict__["logits_to_logprobs"]
    assert fastlogprobs.install()
    assert patched.__dict__["logits_to_logprobs"] is first


def test_unverified_version_is_left_alone(monkeypatch, caplog):
    import llama_cpp

    monkeypatch.setattr(llama_cpp, "__version__", "0.0.1")
    before = llama_cpp.Llama.__dict__["logits_to_logprobs"]
    assert not fastlogprobs.install()
    assert llama_cpp.Llama.__dict__["logits_to_logprobs"] is before
    assert "not sped up" in caplog.text


@pytest.mark.slow
def test_the_local_server_runs_patched(local_llm_server, local_llm_url):
    """The launcher patched the real server (its log says so), and label probabilities come back
    through it (the server read the sliced rows)."""
    from retrieval.llm.client import make_llm
    from retrieval.settings import Settings

    client = make_llm(Settings(_env_file=None, llm="remote", llm_base_url=local_llm_url, llm_timeout_s=300))
    try:
        probs = client.label_probabilities([{"role": "user", "content": "Is fire cold? Answer yes or no."}],
                                           ["yes", "no"])
    finally:
        client.close()
    assert probs and max(probs, key=probs.get) == "no"
    log = local_llm_server.log_tail(10**6)  # this run of the server only
    assert "log-probabilities of the completion's rows only" in log and "not sped up" not in log
