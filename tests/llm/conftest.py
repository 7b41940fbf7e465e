"""Fixtures for the LLM layer.

`local_llm_server` / `local_llm_url` come from the root conftest (one real server per session).
`fake_endpoint`: a tiny OpenAI-shaped HTTP server on 127.0.0.1 whose behaviour each test scripts.
It is a fake on purpose: a real model cannot be made slow, broken or malformed on demand."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parents[2]



# ---- a scriptable fake endpoint ------------------------------------------------------------------
def completion(content: str = "ok", logprobs: list | None = None) -> dict:
    """An OpenAI chat.completion body; `logprobs` = [(token, logprob), ...] for the first token."""
    choice: dict = {"index": 0, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": content}}
    if logprobs is not None:
        top = [{"token": t, "logprob": lp, "bytes": None} for t, lp in logprobs]
        choice["logprobs"] = {"content": [{"token": logprobs[0][0], "logprob": logprobs[0][1],
                                           "bytes": None, "top_logprobs": top}]}
    return {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [choice]}


def sse_chunk(text: str) -> str:
    event = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
             "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    return f"data: {json.dumps(event)}\n\n"


def as_sse(body: dict) -> str:
    """A chat.completion body as the server-sent events of a streamed reply, one chunk per word."""
    content = body["choices"][0]["message"]["content"]
    words = [w for w in content.split(" ")]
    deltas = [w if i == 0 else " " + w for i, w in enumerate(words)]
    events = [{"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
               "choices": [{"index": 0, "delta": {"content": d}, "finish_reason": None}]} for d in deltas]
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"


class FakeEndpoint:
    """`respond(path, body, headers) -> (status, payload)` (header names lower-cased); payload is a dict (JSON), bytes or str."""

    def __init__(self, respond: Callable) -> None:
        self.requests: list[dict] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                headers = {k.lower(): v for k, v in self.headers.items()}
                endpoint.requests.append({"path": self.path, "body": body, "headers": headers})
                status, payload = respond(self.path, body, headers)
                ctype = "application/json"
                if body.get("stream") and isinstance(payload, dict) and payload.get("choices"):
                    payload, ctype = as_sse(payload), "text/event-stream"
                if isinstance(payload, list):  # [(delay_s, text), ...]: trickle a streamed reply
                    return self._trickle(status, payload)
                data = json.dumps(payload).encode() if isinstance(payload, dict) else (
                    payload.encode() if isinstance(payload, str) else payload)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _trickle(self, status: int, pieces: list) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for delay, text in pieces:
                        time.sleep(delay)
                        self.wfile.write(text.encode())
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _reply

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake_endpoint():
    servers: list[FakeEndpoint] = []

    def start(respond: Callable) -> FakeEndpoint:
        servers.append(FakeEndpoint(respond))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def completion_body():
    return completion


@pytest.fixture
def sse_event():
    return sse_chunk


@pytest.fixture
def fail_settings(tmp_path):
    """Settings with short timeouts for failure tests (no .env, temp data dir)."""
    from retrieval.settings import Settings

    def make(**overrides):
        values = dict(data_dir=tmp_path, llm="remote", llm_connect_timeout_s=1.0, llm_timeout_s=2.0,
                      llm_max_concurrency=1, llm_queue_timeout_s=5.0)
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return make
