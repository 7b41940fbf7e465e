"""The real local model behind the real llama.cpp server (session fixture: one server per run)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retrieval.errors import LLMUnavailableError
from retrieval.llm.client import make_llm
from retrieval.llm.local import LocalLLMServer
from retrieval.settings import Settings

pytestmark = pytest.mark.slow

JUDGE_HEAD = [
    {"role": "system", "content": "You compare two statements. Answer with one word: "
                                  "contradiction, agreement or unrelated."},
    {"role": "user", "content": "A: The bridge opened in 1990.\nB: The bridge opened in 1995."},
    {"role": "assistant", "content": "contradiction"},
    {"role": "user", "content": "A: Prices rose 5% in May.\nB: In May, prices went up by five percent."},
    {"role": "assistant", "content": "agreement"},
    {"role": "user", "content": "A: The team won the final.\nB: It rained in Oslo on Tuesday."},
    {"role": "assistant", "content": "unrelated"},
]
LABELS = ["contradiction", "agreement", "unrelated"]


@pytest.fixture
def llm(local_llm_url):
    settings = Settings(_env_file=None, llm="remote", llm_base_url=local_llm_url, llm_timeout_s=300)
    client = make_llm(settings)
    yield client
    client.close()


def test_chat_answers(llm):
    assert llm.health()
    reply = llm.chat([{"role": "user", "content": "What is the capital of France? Answer in one word."}],
                     max_tokens=8)
    assert "paris" in reply.lower()


def test_chat_streams_tokens(llm):
    tokens: list[str] = []
    reply = llm.chat([{"role": "user", "content": "List the numbers from 1 to 5, comma separated."}],
                     max_tokens=24, on_token=tokens.append)
    assert len(tokens) > 3 and "".join(tokens) == reply
    assert "3" in reply


def test_label_probabilities_favour_the_right_label(llm, local_llm_server):
    contra = llm.label_probabilities(JUDGE_HEAD + [{"role": "user", "content":
        "A: The meeting lasted two hours.\nB: The meeting lasted ten minutes."}], LABELS)
    agree = llm.label_probabilities(JUDGE_HEAD + [{"role": "user", "content":
        "A: The summit was held in Paris.\nB: Paris hosted the summit."}], LABELS)
    assert sum(contra.values()) == pytest.approx(1.0) and sum(agree.values()) == pytest.approx(1.0)
    assert max(contra, key=contra.get) == "contradiction"
    assert max(agree, key=agree.get) == "agreement"
    assert agree["contradiction"] < contra["contradiction"]
    # the few-shot head is evaluated once: the second call reuses the cached prompt prefix
    hits = re.findall(r"(\d+) prefix-match hit, remaining (\d+)", local_llm_server.log_tail(400))
    reused, remaining = map(int, hits[-1])
    assert reused > 100 and remaining < 40


def test_timed_out_answer_stops_the_server_generating(llm, local_llm_server):
    before = local_llm_server.log_tail(100_000).count("Disconnected from client")
    with pytest.raises(LLMUnavailableError, match="timed out"):
        llm.chat([{"role": "user", "content": "Write a long story about a lighthouse keeper."}],
                 max_tokens=400, timeout=4)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if local_llm_server.log_tail(100_000).count("Disconnected from client") > before:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the server kept generating for an abandoned request")
    assert "lighthouse" not in llm.chat([{"role": "user", "content": "Say hi."}], max_tokens=5).lower()


def test_yes_no(llm):
    probs = llm.label_probabilities([{"role": "user", "content": "Is water wet? Answer yes or no."}],
                                    ["yes", "no"])
    assert probs["yes"] > 0.7


def test_server_binds_loopback_only(local_llm_server):
    port_hex = f"{local_llm_server.port:04X}"
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                 if line.split()[1].endswith(f":{port_hex}") and line.split()[3] == "0A"]
    assert listening and all(fields[1] == f"0100007F:{port_hex}" for fields in listening)
    assert not Path("/proc/net/tcp6").exists() or f":{port_hex} " not in Path("/proc/net/tcp6").read_text()


def _model_dir(local_llm_server) -> Path:
    return Path(local_llm_server.settings.data_dir)


def test_make_llm_local_shares_one_server(local_llm_server):
    settings = Settings(_env_file=None, data_dir=_model_dir(local_llm_server), llm="local")
    first = make_llm(settings)
    second = make_llm(settings.model_copy())
    try:
        assert first.base_url == second.base_url and first.base_url != local_llm_server.base_url
        server = first._server.server
        assert server is second._server.server and server.running and first.health()
        first.close()
        assert server.running and second.health()  # still used by `second`
    finally:
        first.close()
        second.close()
    assert not server.running and not second.health()


def test_bad_model_fails_with_log_tail(tmp_path):
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a model" * 100)
    settings = Settings(_env_file=None, data_dir=tmp_path, llm="local")
    with pytest.raises(LLMUnavailableError) as info:
        LocalLLMServer(settings, model=bogus, start_timeout_s=120).start()
    assert "exited with code" in str(info.value)  # seen exiting, not waited out until the start timeout
    assert "Server log" in info.value.hint and len(info.value.hint.splitlines()) > 2


_CHILD = """
import sys, time
from pathlib import Path
from retrieval.settings import Settings
from retrieval.llm.local import LocalLLMServer
server = LocalLLMServer(Settings(_env_file=None, data_dir=Path(sys.argv[1]), llm="local")).start()
print(server._proc.pid, flush=True)
time.sleep(600)
"""


def test_server_dies_with_its_parent(local_llm_server):
    """A parent killed with SIGKILL (no atexit) must not leave a 1.9 GB orphan behind."""
    parent = subprocess.Popen([sys.executable, "-c", _CHILD, str(_model_dir(local_llm_server))],
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    try:
        server_pid = int(parent.stdout.readline())
        os.kill(server_pid, 0)  # alive
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(server_pid):
        time.sleep(0.2)
    assert not _alive(server_pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text().split()
    return stat[2] != "Z"
