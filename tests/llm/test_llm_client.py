"""LLMClient failure semantics and label mapping, against scripted local HTTP endpoints (see
conftest: a real model cannot be made slow, broken or malformed on demand) and a dead port.

Deadlines are checked as behaviour, not speed: a timed-out call raises the timeout error while the
scripted server is still stalled (it would answer, or go on streaming, long after), and a call told
busy is told so while the call holding the slot is still running. How fast anything is goes in
`make bench`."""
from __future__ import annotations

import logging
import threading
import time

import pytest

from retrieval.errors import BusyError, LLMUnavailableError
from retrieval.llm.client import LLMClient, make_llm
from retrieval.llm.local import free_port

MESSAGES = [{"role": "user", "content": "Say ok."}]
SECRET = "sk-test-SECRET-4242-do-not-leak"


def client(settings, url, **kw) -> LLMClient:
    return LLMClient(settings, url, "m", **kw)


def test_down_endpoint_fails_as_unreachable(fail_settings):
    settings = fail_settings(llm_connect_timeout_s=2.0, llm_timeout_s=30.0)
    llm = client(settings, f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(LLMUnavailableError, match="unreachable"):
        llm.chat(MESSAGES)
    with pytest.raises(LLMUnavailableError):
        llm.label_probabilities(MESSAGES, ["yes", "no"])
    assert llm.health() is False


@pytest.mark.parametrize("status, asked", [(500, 1), (503, 2)])
def test_a_failing_endpoint_is_not_retried_behind_the_users_back(fail_settings, fake_endpoint, status, asked):
    """No retries with backoff while the user waits: an error is final, except that an overloaded
    or restarting server (429/502/503) is asked once more."""
    endpoint = fake_endpoint(lambda path, body, headers: (status, {"error": {"message": "loading model"}}))
    llm = client(fail_settings(), endpoint.url, llama_cpp=False)
    with pytest.raises(LLMUnavailableError, match=f"HTTP {status}"):
        llm.chat(MESSAGES)
    assert [r["path"] for r in endpoint.requests] == ["/v1/chat/completions"] * asked


def test_unroutable_endpoint_bounded_by_connect_timeout(fail_settings):
    """Nothing ever answers at this address: a finished call proves the connect timeout ended it
    (the thread's join is a guard against a hang, not a speed limit)."""
    settings = fail_settings(llm_connect_timeout_s=1.0, llm_timeout_s=30.0)
    llm = client(settings, "http://10.255.255.1:9/v1", llama_cpp=False)
    errors: list[Exception] = []

    def call() -> None:
        try:
            llm.chat(MESSAGES)
        except Exception as exc:  # noqa: BLE001  (inspected below)
            errors.append(exc)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], LLMUnavailableError), errors


def _slow(delay: float, body: dict, answered: list | None = None):
    """A server that answers `delay` s after each request (noting in `answered` when it did)."""
    def respond(path, payload, headers):
        if path.endswith("/models"):
            return 200, {"object": "list", "data": [{"id": "m", "object": "model", "owned_by": "me"}]}
        time.sleep(delay)
        if answered is not None:
            answered.append(path)
        return 200, body
    return respond


@pytest.mark.parametrize("stream", [False, True])
def test_slow_endpoint_times_out(fail_settings, fake_endpoint, completion_body, stream):
    settings = fail_settings(llm_timeout_s=1.0)
    answered: list[str] = []
    endpoint = fake_endpoint(_slow(8.0, completion_body("late"), answered))
    llm = client(settings, endpoint.url)
    with pytest.raises(LLMUnavailableError, match="timed out"):
        llm.chat(MESSAGES, on_token=(lambda t: None) if stream else None)
    assert answered == []  # given up while the server was still working on it


def test_trickling_stream_is_cut_at_the_deadline(fail_settings, fake_endpoint, sse_event):
    """Tokens arriving every 0.2 s never trip the read timeout; the overall deadline still holds."""
    pieces = [(0.2, sse_event(f"w{i} ")) for i in range(50)]
    endpoint = fake_endpoint(lambda path, body, headers: (200, pieces))
    tokens: list[str] = []
    with pytest.raises(LLMUnavailableError, match="timed out"):
        client(fail_settings(llm_timeout_s=1.5), endpoint.url, llama_cpp=False).chat(
            MESSAGES, on_token=tokens.append)
    # the server cannot send faster than a piece per 0.2 s: at most 7 fit before the 1.5 s deadline, and
    # the first piece after it ends the call (a count, not a clock: a slow machine only sends fewer)
    assert 3 <= len(tokens) < 10


def test_per_call_timeout_overrides_setting(fail_settings, fake_endpoint, completion_body):
    settings = fail_settings(llm_timeout_s=30.0)
    answered: list[str] = []
    endpoint = fake_endpoint(_slow(5.0, completion_body("late"), answered))
    with pytest.raises(LLMUnavailableError):  # the setting's 30 s would have waited for the answer
        client(settings, endpoint.url).label_probabilities(MESSAGES, ["yes", "no"], timeout=0.5)
    assert answered == []


def test_busy_when_queue_wait_exceeded(fail_settings, fake_endpoint, completion_body):
    settings = fail_settings(llm_timeout_s=10.0, llm_max_concurrency=1, llm_queue_timeout_s=0.3)
    endpoint = fake_endpoint(_slow(1.5, completion_body("first")))
    first, second = client(settings, endpoint.url), client(settings, endpoint.url)
    results: list[str] = []
    worker = threading.Thread(target=lambda: results.append(first.chat(MESSAGES)))
    worker.start()
    time.sleep(0.3)  # the worker holds the only slot (shared by every client of the endpoint)
    start = time.monotonic()
    with pytest.raises(BusyError):
        second.chat(MESSAGES)
    assert time.monotonic() - start >= 0.25  # it waited the queue timeout for the slot...
    assert worker.is_alive()  # ...and was told busy while the slot's holder was still running
    worker.join()
    assert results == ["first"]
    assert second.chat(MESSAGES) == "first"  # the slot is free again


def test_queued_call_waits_for_a_slot(fail_settings, fake_endpoint, completion_body):
    settings = fail_settings(llm_max_concurrency=1, llm_queue_timeout_s=5.0, llm_timeout_s=5.0)
    endpoint = fake_endpoint(_slow(0.5, completion_body("done")))
    llm = client(settings, endpoint.url)
    out: list[str] = []
    threads = [threading.Thread(target=lambda: out.append(llm.chat(MESSAGES))) for _ in range(3)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == ["done"] * 3
    assert time.monotonic() - start >= 1.4  # one at a time


def test_http_error_never_leaks_the_key(fail_settings, fake_endpoint, caplog):
    def echo_auth(path, body, headers):
        return 500, {"error": {"message": f"boom, you sent {headers.get('authorization')}"}}

    endpoint = fake_endpoint(echo_auth)
    settings = fail_settings(llm_api_key=SECRET)
    llm = make_llm(settings.model_copy(update={"llm_base_url": endpoint.url}))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(LLMUnavailableError) as info:
        llm.chat(MESSAGES)
    assert "HTTP 500" in str(info.value)
    assert endpoint.requests[-1]["headers"]["authorization"] == f"Bearer {SECRET}"  # it was sent
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    assert "boom" in caplog.text  # the server's message was logged ...
    assert SECRET not in caplog.text  # ... with the key redacted
    assert SECRET not in repr(llm)


@pytest.mark.parametrize("payload", ["<html>not json</html>", {"choices": []}, {"unexpected": 1}])
def test_malformed_reply(fail_settings, fake_endpoint, payload):
    endpoint = fake_endpoint(lambda path, body, headers: (200, payload))
    with pytest.raises(LLMUnavailableError):
        client(fail_settings(), endpoint.url, llama_cpp=False).chat(MESSAGES)


def test_repeat_penalty_only_for_llama_cpp(fail_settings, fake_endpoint, completion_body):
    def owned_by(owner):
        def respond(path, body, headers):
            if path.endswith("/models"):
                return 200, {"object": "list", "data": [{"id": "m", "object": "model", "owned_by": owner}]}
            return 200, completion_body("hi")
        return respond

    llama, remote = fake_endpoint(owned_by("me")), fake_endpoint(owned_by("openai"))
    for endpoint in (llama, remote):
        assert client(fail_settings(), endpoint.url).chat(MESSAGES) == "hi"
    sent = lambda ep: [r["body"] for r in ep.requests if r["path"].endswith("/completions")][0]
    assert sent(llama)["repeat_penalty"] == pytest.approx(1.1)
    assert "repeat_penalty" not in sent(remote)
    assert sent(remote)["temperature"] == 0.0


def test_endpoint_probe_waits_for_the_slot(fail_settings, fake_endpoint, completion_body):
    """A server that serves one request at a time (llama.cpp generating) cannot list its models while
    it generates. A client's first call asks which kind of endpoint it is (for repeat_penalty); asked
    before waiting for the slot, that probe queued behind the other call's generation, timed out and
    the answer failed as "unreachable" (seen under load in CI). Asked holding the slot, it is served."""
    one_at_a_time, generating = threading.Lock(), threading.Event()

    def respond(path, body, headers):
        with one_at_a_time:
            if path.endswith("/models"):
                return 200, {"object": "list", "data": [{"id": "m", "object": "model", "owned_by": "me"}]}
            generating.set()
            time.sleep(1.5)  # longer than the probe's 0.5 s timeout
            return 200, completion_body("done")

    settings = fail_settings(llm_connect_timeout_s=0.5, llm_timeout_s=10.0, llm_queue_timeout_s=10.0)
    endpoint = fake_endpoint(respond)
    first, second = client(settings, endpoint.url), client(settings, endpoint.url)  # one shared slot
    out: list[str] = []
    worker = threading.Thread(target=lambda: out.append(first.chat(MESSAGES)))
    worker.start()
    assert generating.wait(5.0)
    assert second.chat(MESSAGES) == "done"
    worker.join()
    assert out == ["done"]
    chats = [r["body"] for r in endpoint.requests if r["path"].endswith("/completions")]
    assert [c["repeat_penalty"] for c in chats] == [pytest.approx(1.1)] * 2  # both knew it is llama.cpp


def test_label_probabilities_from_logprobs(fail_settings, fake_endpoint, completion_body):
    top = [(" Contr", -0.1), ("contr", -2.5), (" unrelated", -2.0), ("Agree", -3.0), ("Hello", -1.0)]
    endpoint = fake_endpoint(lambda p, b, h: (200, completion_body(" Contr", logprobs=top)))
    probs = client(fail_settings(), endpoint.url, llama_cpp=False).label_probabilities(
        MESSAGES, ["contradiction", "agreement", "unrelated"])
    assert set(probs) == {"contradiction", "agreement", "unrelated"}
    assert sum(probs.values()) == pytest.approx(1.0)
    assert probs["contradiction"] > 0.7 > probs["unrelated"] > probs["agreement"] > 0
    request = endpoint.requests[-1]["body"]
    assert request["logprobs"] is True and request["top_logprobs"] == 10 and request["max_tokens"] == 1


def test_label_probabilities_without_logprobs(fail_settings, fake_endpoint, completion_body):
    replies = iter([completion_body("The"), completion_body("The answer is: agreement.")])
    endpoint = fake_endpoint(lambda p, b, h: (200, next(replies)))
    probs = client(fail_settings(), endpoint.url, llama_cpp=False).label_probabilities(
        MESSAGES, ["contradiction", "agreement"])
    assert probs == {"contradiction": 0.0, "agreement": 1.0}
    assert len(endpoint.requests) == 2  # one token was not enough, asked again for a few
    assert "logprobs" not in endpoint.requests[1]["body"] and endpoint.requests[1]["body"]["max_tokens"] == 8


def test_make_llm_modes(fail_settings):
    with pytest.raises(LLMUnavailableError, match="BASE_URL"):
        make_llm(fail_settings(llm="remote", llm_base_url=None))
    with pytest.raises(LLMUnavailableError):
        make_llm(fail_settings(llm="none"))
    llm = make_llm(fail_settings(llm="auto", llm_base_url="http://127.0.0.1:9/v1"))
    assert llm.base_url == "http://127.0.0.1:9/v1" and llm._server is None
    llm.close()
