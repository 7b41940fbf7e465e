"""All generation goes through `LLMClient`: the sync `openai` client against any OpenAI-compatible
endpoint (OpenAI, vLLM, Ollama, the embedded llama.cpp server).

Failure semantics: connection refused, timeouts, HTTP errors and malformed replies raise
`LLMUnavailableError` (never with the API key in the message); more than `llm_max_concurrency`
calls in flight against one endpoint wait up to `llm_queue_timeout_s` for a slot, then `BusyError`."""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Callable, Iterator, Sequence

import openai

from retrieval.urls import safe_url
from retrieval.errors import BusyError, LLMUnavailableError
from retrieval.llm.gate import FairGate
from retrieval.llm.labels import match_label, probs_from_logprobs, probs_from_text
from retrieval.llm.stats import CallStats, StatsTotals, usage_of

try:  # the transport the openai client uses (httpx2 in openai 3.x, httpx before)
    from httpx2 import HTTPError as _TransportError, TimeoutException as _TransportTimeout
except ImportError:  # pragma: no cover
    from httpx import HTTPError as _TransportError, TimeoutException as _TransportTimeout

log = logging.getLogger(__name__)

REPEAT_PENALTY = 1.1  # greedy decoding of the small local model loops without it
_LLAMA_CPP_OWNERS = {"me", "llamacpp", "llama.cpp"}  # `owned_by` in /v1/models of llama.cpp servers
_GATES: dict[tuple[str, int], FairGate] = {}
_GATES_LOCK = threading.Lock()


def _gate(base_url: str, limit: int) -> FairGate:
    """One semaphore per endpoint, shared by every client in the process."""
    with _GATES_LOCK:
        return _GATES.setdefault((base_url, limit), FairGate(limit))


class LLMClient:
    def __init__(self, settings, base_url: str, model: str, api_key=None, server=None, *,
                 llama_cpp: bool | None = None) -> None:
        self.settings = settings
        self.base_url = base_url.rstrip("/")
        self.model = model
        secret = api_key.get_secret_value() if hasattr(api_key, "get_secret_value") else api_key
        self._secret = secret or None
        self._server = server  # a handle with .release() / .running, owned by this client
        # None = find out on first chat whether the endpoint is llama.cpp (accepts repeat_penalty)
        self._llama_cpp = True if server is not None else llama_cpp
        self._probe_lock = threading.Lock()
        self._gate = _gate(self.base_url, settings.llm_max_concurrency)
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=self._secret or "no-key", max_retries=0,
            timeout=openai.Timeout(settings.llm_timeout_s, connect=settings.llm_connect_timeout_s))
        self._closed = False
        self._totals = StatsTotals()

    @property
    def stats(self) -> dict:
        """Totals over this client's calls (time, tokens, cache hits when reported) and the last call."""
        return self._totals.snapshot()

    def __repr__(self) -> str:
        return f"LLMClient({safe_url(self.base_url)!r}, model={self.model!r})"

    # ---- public API ------------------------------------------------------------------------
    def chat(self, messages: Sequence[dict], *, max_tokens: int | None = None, temperature: float = 0.0,
             stop: Sequence[str] | None = None, on_token: Callable[[str], None] | None = None,
             timeout: float | None = None) -> str:
        """The assistant's reply; tokens are passed to `on_token` as they arrive when it is given."""
        params: dict = {"model": self.model, "messages": list(messages), "temperature": temperature,
                        "max_tokens": max_tokens or self.settings.llm_max_tokens}
        if stop:
            params["stop"] = list(stop)
        with self._slot():  # always streamed: the deadline holds between tokens, and a call given
            # up on closes the connection, which makes llama.cpp stop generating for it
            if self._is_llama_cpp():  # asked holding the slot: a probe queued behind this client's
                # own generation on a one-slot server would time out and read as "unreachable"
                params["extra_body"] = {"repeat_penalty": REPEAT_PENALTY}
            deadline = time.monotonic() + (timeout or self.settings.llm_timeout_s)
            call = CallStats("chat")
            started = time.monotonic()
            try:
                return self._stream(deadline, params, on_token, call)
            finally:
                call.seconds = time.monotonic() - started
                self._totals.add(call)

    def label_probabilities(self, messages: Sequence[dict], labels: Sequence[str],
                            timeout: float | None = None) -> dict[str, float]:
        """P(label) for the model's one-token answer, from the top-10 token log-probabilities.

        A token counts for a label when it is a prefix of it, case and leading space ignored
        (" Contr" counts for "contradiction"); a token matching several labels is split between them, so give
        labels distinct first tokens. Without log-probabilities (some endpoints), the label found in
        the generated text gets 1.0; if no label can be read at all, the result is uniform."""
        params = {"model": self.model, "messages": list(messages), "temperature": 0.0,
                  "max_tokens": 1, "logprobs": True, "top_logprobs": 10}
        with self._slot():
            deadline = time.monotonic() + (timeout or self.settings.llm_timeout_s)
            call, started = CallStats("labels"), time.monotonic()
            reply = self._request(deadline, params)
            usage_of(reply, call)
            call.seconds = time.monotonic() - started
            self._totals.add(call)
            probs = probs_from_logprobs(reply, labels)
            if probs is None:
                text = self._content(reply)
                if match_label(text, labels) is None:  # one token was not enough to tell
                    retry = {k: v for k, v in params.items() if "logprobs" not in k}
                    text = self._content(self._request(deadline, {**retry, "max_tokens": 8}))
                probs = probs_from_text(text, labels)
        return probs

    def health(self) -> bool:
        """True when the endpoint lists its models within the connect timeout."""
        if self._server is not None and not self._server.running:
            return False
        quick = self.settings.llm_connect_timeout_s
        try:
            self._client.models.list(timeout=openai.Timeout(quick, connect=quick))
            return True
        except (openai.OpenAIError, _TransportError, OSError):
            return False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._client.close()
        if self._server is not None:
            self._server.release()

    def __enter__(self) -> "LLMClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- internals ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _slot(self) -> Iterator[None]:
        wait = self.settings.llm_queue_timeout_s
        if not self._gate.acquire(timeout=wait):
            log.warning("LLM queue full: no slot on %s within %.1f s", safe_url(self.base_url), wait)
            raise BusyError()
        try:
            yield
        finally:
            self._gate.release()

    def _timeouts(self, deadline: float) -> openai.Timeout:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._error("The language model timed out.")
        return openai.Timeout(remaining, connect=min(self.settings.llm_connect_timeout_s, remaining))

    def _request(self, deadline: float, params: dict):
        """One chat completion call; a refused connection or 429/502/503 is retried once."""
        for attempt in (1, 2):
            try:
                return self._client.chat.completions.create(**params, timeout=self._timeouts(deadline))
            except openai.APITimeoutError as exc:
                raise self._error("The language model timed out.", exc) from None
            except openai.APIConnectionError as exc:
                if attempt == 2 or deadline - time.monotonic() < 1.0:
                    raise self._error("The language model endpoint is unreachable.", exc) from None
            except openai.APIStatusError as exc:
                if attempt == 2 or exc.status_code not in (429, 502, 503):
                    raise self._error(f"The language model endpoint answered HTTP {exc.status_code}.",
                                      exc) from None
            except (openai.OpenAIError, _TransportError, OSError, ValueError) as exc:
                raise self._error("The language model endpoint gave a malformed reply.", exc) from None
            time.sleep(0.5)
        raise AssertionError("unreachable")  # pragma: no cover

    def _stream(self, deadline: float, params: dict, on_token: Callable[[str], None] | None,
                call: CallStats) -> str:
        started = time.monotonic()
        stream = self._request(deadline, {**params, "stream": True})
        parts: list[str] = []
        chunks = 0
        try:
            with stream:
                for chunk in stream:
                    chunks += 1
                    if time.monotonic() > deadline:
                        raise self._error("The language model timed out.")
                    usage_of(chunk, call)
                    delta = chunk.choices[0].delta.content if chunk.choices else None
                    if delta:
                        if not parts:
                            call.first_token_s = time.monotonic() - started
                        parts.append(delta)
                        if on_token is not None:
                            on_token(delta)
        except (openai.APITimeoutError, _TransportTimeout) as exc:
            raise self._error("The language model timed out.", exc) from None
        except (openai.OpenAIError, _TransportError, OSError, AttributeError, ValueError) as exc:
            raise self._error("The language model stream broke off.", exc) from None
        if not chunks:
            raise self._error("The language model endpoint gave a malformed reply (no stream events).")
        if call.completion_tokens is None:
            call.completion_tokens = len(parts)
        return "".join(parts)

    def _content(self, reply) -> str:
        try:
            content = reply.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            raise self._error("The language model endpoint gave a malformed reply.") from None
        if not isinstance(content, str):
            raise self._error("The language model endpoint gave a malformed reply.")
        return content

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def _error(self, message: str, exc: BaseException | None = None) -> LLMUnavailableError:
        detail = f" ({type(exc).__name__}: {self._redact(str(exc))[:300]})" if exc else ""
        log.warning("LLM call to %s failed: %s%s", safe_url(self.base_url), message, detail)
        return LLMUnavailableError(message)

    def _is_llama_cpp(self) -> bool:
        with self._probe_lock:  # one probe for all waiting threads
            return self._probe_llama_cpp()

    def _probe_llama_cpp(self) -> bool:
        if self._llama_cpp is None:
            quick = self.settings.llm_connect_timeout_s
            try:
                models = self._client.models.list(timeout=openai.Timeout(quick, connect=quick))
                self._llama_cpp = any(getattr(m, "owned_by", None) in _LLAMA_CPP_OWNERS
                                      for m in models.data)
            except (openai.APIConnectionError, _TransportError, OSError) as exc:
                raise self._error("The language model endpoint is unreachable.", exc) from None
            except (openai.OpenAIError, ValueError):
                self._llama_cpp = False  # no model list: not llama.cpp, send only standard params
        return self._llama_cpp


# ---- factory -----------------------------------------------------------------------------------
def make_llm(settings) -> LLMClient:
    """The client for `settings.llm_mode`: `remote` (ANALYST_LLM_BASE_URL) or `local` (the embedded
    llama.cpp server, started once per process and shared by every client made for it)."""
    mode = settings.llm_mode
    if mode == "remote":
        if not settings.llm_base_url:
            raise LLMUnavailableError("ANALYST_LLM=remote needs ANALYST_LLM_BASE_URL.")
        return LLMClient(settings, settings.llm_base_url, settings.llm_model, settings.llm_api_key)
    if mode == "local":
        from retrieval.llm.local import acquire_shared

        handle = acquire_shared(settings)
        try:
            return LLMClient(settings, handle.server.base_url, settings.llm_model, server=handle)
        except BaseException:
            handle.release()
            raise
    raise LLMUnavailableError("No language model is configured (ANALYST_LLM=none).", hint="")
