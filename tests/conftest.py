"""Root fixtures: real parts everywhere. A temp data dir and a copy of the shipped corpus per test;
one real local LLM server per session (slow tests); a real `chroma run` server where needed."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SEED_DOC = "trump-putin-call-2025-03-18.md"
EVAL_FILE = REPO / "bench" / "seed-eval.json"

_TEST_MODEL_DIR = os.environ.get("ANALYST_TEST_MODEL_DIR")  # read before the ANALYST_* variables go
# Tests never read a developer's .env or environment overrides.
for _key in [k for k in os.environ if k.startswith("ANALYST_") or k == "DISCORD_TOKEN"]:
    os.environ.pop(_key)


def indexed_service(root: Path, files: dict[str, str], detect: bool = True, **overrides):
    """An Analyst over a corpus of `files` (name -> text, sources.yaml included) written under `root`,
    indexed with the real embedder and Chroma, no LLM. The caller closes it."""
    from retrieval.service import Analyst
    from retrieval.settings import Settings

    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    svc = Analyst(Settings(**{"_env_file": None, "data_dir": root / "data", "corpus_dir": corpus, "llm": "none",
                              **overrides}))
    svc.index(detect=detect)
    return svc


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture
def make_settings(tmp_path: Path, corpus_dir: Path):
    from retrieval.settings import Settings

    def make(**overrides):
        values = dict(data_dir=tmp_path / "data", corpus_dir=corpus_dir, llm="none", _env_file=None)
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def settings(make_settings):
    return make_settings()


@pytest.fixture
def service(settings):
    from retrieval.service import Analyst

    svc = Analyst(settings)
    yield svc
    svc.close()


@pytest.fixture
def indexed(service):
    """The service with the shipped corpus indexed (no LLM: deterministic checks only)."""
    service.index()
    return service


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def local_llm_server():
    """One real llama.cpp server with the packaged Qwen2.5-Coder-1.5B for the whole session.
    The model is assembled once into <repo>/.analyst (or ANALYST_TEST_MODEL_DIR) and reused."""
    from retrieval.errors import LLMUnavailableError
    from retrieval.llm.local import LocalLLMServer
    from retrieval.settings import Settings

    data_dir = Path(_TEST_MODEL_DIR or REPO / ".analyst")
    server = LocalLLMServer(Settings(_env_file=None, data_dir=data_dir, llm="local", llm_port=0))
    try:
        server.start()
    except LLMUnavailableError as exc:
        pytest.fail(f"local LLM server did not start: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def local_llm_url(local_llm_server) -> str:
    return local_llm_server.base_url


@pytest.fixture
def llm_settings(make_settings, local_llm_url):
    """Settings that point at the session's local model as an OpenAI-compatible endpoint."""
    return make_settings(llm="remote", llm_base_url=local_llm_url)


@pytest.fixture
def chroma_server(tmp_path: Path):
    """A real `chroma run` server on loopback; yields (url, stop, start) so tests can take it down."""
    port = free_port()
    exe = Path(sys.executable).parent / "chroma"
    cmd = [str(exe), "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)]
    log = open(tmp_path / "chroma.log", "ab")
    state: dict = {}

    def start():
        state["proc"] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("chroma run did not start: " + (tmp_path / "chroma.log").read_text()[-2000:])

    def stop():
        proc = state.get("proc")
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    start()
    yield f"http://127.0.0.1:{port}", stop, start
    stop()
    log.close()
