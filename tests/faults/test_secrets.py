"""Secrets never reach logs, error messages or files: a Discord token, an LLM API key, and credentials in
the Chroma and LLM URLs are set, errors are triggered (endpoints unreachable, an endpoint that echoes the
key back in its error), and every byte the CLI printed at debug level, and every file in the data
directory, is searched for them.

The echoing endpoint is a FAKE (a tiny HTTP server): no real endpoint misbehaves on demand."""
from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import free_port

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.discordSECRETtoken_abcdefghijklmnopqrstuv"
API_KEY = "sk-llmSECRETkey-0123456789abcdef"
CHROMA_PASSWORD = "chromaSECRETpass"
LLM_PASSWORD = "llmURLsecretPASS"
SECRETS = [TOKEN, API_KEY, CHROMA_PASSWORD, LLM_PASSWORD,
           base64.b64encode(f"user:{LLM_PASSWORD}".encode()).decode(),  # as sent in Basic auth
           base64.b64encode(f"analyst:{CHROMA_PASSWORD}".encode()).decode()]
QUESTION = "How many injured Ukrainian servicemen will be handed over?"


class EchoingEndpoint(BaseHTTPRequestHandler):
    """Answers every request with 401 and the Authorization header it received, like a careless proxy."""

    def log_message(self, *args) -> None:
        pass

    def _reply(self) -> None:
        if self.command == "POST":
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"error": {"message": f"bad credentials: {self.headers.get('Authorization')}",
                                     "type": "invalid_request_error"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _reply


@pytest.fixture
def echoing_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoingEndpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret_env(cli_env):
    cli_env.setenv("DISCORD_TOKEN", TOKEN)
    cli_env.setenv("ANALYST_LLM_API_KEY", API_KEY)
    cli_env.setenv("ANALYST_LLM", "remote")
    cli_env.setenv("ANALYST_LLM_CONNECT_TIMEOUT_S", "1")
    cli_env.setenv("ANALYST_LLM_TIMEOUT_S", "5")
    return cli_env


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for s in SECRETS:
            assert s not in text, f"secret {s[:8]}… leaked:\n{text[:3000]}"


def assert_no_secret_in_files(root: Path) -> None:
    for f in root.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for s in SECRETS:
                assert s.encode() not in data, f"secret {s[:8]}… written to {f}"


def test_unreachable_chroma_and_llm(secret_env, tmp_path, corpus_dir, capfd):
    secret_env.setenv("ANALYST_CHROMA_URL", f"http://analyst:{CHROMA_PASSWORD}@127.0.0.1:{free_port()}")
    secret_env.setenv("ANALYST_LLM_BASE_URL", f"http://user:{LLM_PASSWORD}@127.0.0.1:{free_port()}/v1")
    outputs = []
    for command in (["index"], ["ask", QUESTION], ["sources", "--json"], ["doctor"], ["doctor", "--json"]):
        rc = main([*command, "-v", "--data-dir", str(tmp_path / "data"), "--corpus", str(corpus_dir)])
        out = capfd.readouterr()
        assert rc != 0, command  # every one of them failed or found a problem
        outputs += [out.out, out.err]
    assert any("is unreachable" in o for o in outputs)
    assert_no_secret(*outputs)
    assert_no_secret_in_files(tmp_path)


@pytest.mark.parametrize("userinfo", ["", f"user:{LLM_PASSWORD}@"], ids=["bearer-key", "url-credentials"])
def test_llm_endpoint_echoing_the_credentials(secret_env, tmp_path, corpus_dir, capfd, echoing_endpoint,
                                              userinfo):
    secret_env.setenv("ANALYST_LLM_BASE_URL", f"http://{userinfo}{echoing_endpoint}")
    data = str(tmp_path / "data")
    assert main(["index", "--data-dir", data, "--corpus", str(corpus_dir)]) == 0
    capfd.readouterr()
    rc = main(["ask", QUESTION, "-v", "--data-dir", data, "--corpus", str(corpus_dir)])
    out = capfd.readouterr()  # file-descriptor level: the log handler writes to the real stderr
    assert rc == 0 and "extractive answer: The language model endpoint answered HTTP 401" in out.out
    assert "LLM call to http://127.0.0.1:" in out.err  # logged...
    assert "bad credentials: Bearer ***" in out.err or "bad credentials: Basic ***" in out.err  # ...redacted
    assert_no_secret(out.out, out.err)
    assert_no_secret_in_files(tmp_path)
