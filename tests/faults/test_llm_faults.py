"""The LLM endpoint down, black-holed, slow or trickling: answers fall back to extractive mode within a
bounded time and say why. The bounds are generous limits, not benchmarks.

Down and black-holed endpoints are real sockets (nothing listening; listening but never answering).
The slow and trickling endpoints are a FAKE: a tiny OpenAI-compatible HTTP server in this process,
because no real model can be made reliably slow on demand."""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.cli import main
from tests.conftest import free_port

QUESTION = "How many injured Ukrainian servicemen will be handed over?"


class FakeSlowLLM(BaseHTTPRequestHandler):
    """GET /v1/models answers at once; POST /v1/chat/completions sleeps (mode "slow") or streams one
    token every half second without end (mode "trickle")."""

    mode = "slow"
    stop = threading.Event()

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._send(200, {"object": "list", "data": [{"id": "m", "object": "model", "owned_by": "me"}]})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "slow":
            self.stop.wait(60)
            return self._send(500, {"error": "too late"})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            while not self.stop.is_set():
                chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                         "choices": [{"index": 0, "delta": {"content": "Well "}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                self.stop.wait(0.5)
        except OSError:
            pass  # the client gave up and closed the connection: what we want

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def fake_llm():
    servers = []

    def start(mode: str) -> str:
        handler = type("Handler", (FakeSlowLLM,), {"mode": mode, "stop": threading.Event()})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield start
    for s in servers:
        s.RequestHandlerClass.stop.set()
        s.shutdown()
        s.server_close()


@pytest.fixture
def blackhole():
    """A socket that accepts connections (kernel backlog) but never reads or answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    sock.close()


def ask_timed(make_settings, url: str, **overrides):
    from retrieval.service import Analyst

    values = dict(llm="remote", llm_base_url=url, llm_connect_timeout_s=1, llm_timeout_s=3)
    values.update(overrides)
    svc = Analyst(make_settings(**values))
    svc.index(detect=False)
    svc.search("warm up the keyword index and the embedder")
    try:
        timings = []
        for _ in range(2):  # twice: the first failure must not leave a slot or a socket stuck
            t0 = time.monotonic()
            answer = svc.ask(QUESTION)
            timings.append(time.monotonic() - t0)
            assert answer.mode == "extractive" and answer.grounded, answer
            assert any("23 injured" in c.quote for c in answer.citations)
        return answer, timings
    finally:
        svc.close()


def test_endpoint_down_falls_back_fast(make_settings):
    answer, timings = ask_timed(make_settings, f"http://127.0.0.1:{free_port()}/v1")
    assert "unreachable" in answer.note.lower()
    assert max(timings) < 8, timings  # refused at once, one retry after 0.5 s


def test_blackholed_endpoint_falls_back_within_the_connect_timeout(make_settings, blackhole):
    answer, timings = ask_timed(make_settings, blackhole)
    assert answer.note and ("unreachable" in answer.note.lower() or "timed out" in answer.note.lower())
    assert max(timings) < 3 + 6, timings  # llm_timeout_s + margin


@pytest.mark.parametrize("mode", ["slow", "trickle"])
def test_slow_endpoint_falls_back_within_the_timeout(make_settings, fake_llm, mode):
    answer, timings = ask_timed(make_settings, fake_llm(mode))
    assert "timed out" in answer.note.lower()
    assert all(2.5 < t < 3 + 6 for t in timings), timings  # it did wait for the model, but not longer


def test_cli_says_the_answer_is_extractive_and_why(make_settings, corpus_dir, tmp_path, capsys, cli_env):
    from retrieval.service import Analyst

    data = tmp_path / "data"
    Analyst(make_settings(data_dir=data)).index(detect=False)
    cli_env.setenv("ANALYST_LLM", "remote")
    cli_env.setenv("ANALYST_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    cli_env.setenv("ANALYST_LLM_CONNECT_TIMEOUT_S", "1")
    rc = main(["ask", QUESTION, "--data-dir", str(data), "--corpus", str(corpus_dir)])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.startswith("Most relevant passages (extractive answer: The language model endpoint is unreachable.)")
    assert "23 injured" in out
