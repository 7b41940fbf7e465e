"""The embedded default LLM served by llama-cpp-python, one server per process, shared by its clients.

`LocalLLMServer` runs `llama_cpp.server` on 127.0.0.1 as a child process and stops it on `stop()`, on
leaving a `with` block, at interpreter exit, and (through a tiny watchdog in the child) when the parent
dies. `acquire_shared` hands each client a reference to the process's one server for its settings; the
last release stops it. The model file comes from `assembly` (re-exported here, where it used to live).

Server notes (llama-cpp-python 0.3.36): `logits_all` (default on) is required for log-probabilities;
the prompt prefix shared with the previous request is reused from the KV cache without `--cache`
(`Llama.generate` keeps the longest common token prefix), so few-shot prompts with a fixed head are
cheap after the first call as long as requests are not interleaved with other prompts.
`interrupt_requests` is turned off so a queued request never cuts a streaming answer short. With
`logits_all` the server computes the log-probabilities of every prompt token to return the
completion's; the launcher patches that to the completion's rows only (`fastlogprobs.py`)."""
from __future__ import annotations

import ast
import atexit
import contextlib
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from retrieval.errors import LLMUnavailableError
from retrieval.llm.assembly import (  # noqa: F401  (the public names importers know from here)
    INSTALL_HINT, MODEL_FILENAME, MODEL_SHA256, MODEL_SIZE, N_PARTS, assemble_model, is_verified, model_path,
    part_paths, sha256_file)

log = logging.getLogger(__name__)


# ---- server ------------------------------------------------------------------------------------
# Run `python -m llama_cpp.server` with a watchdog thread that exits when the parent process is gone,
# so a killed test run or bot never leaves a 1.9 GB orphan behind.
_LAUNCHER = """\
import os, runpy, sys, threading, time
ppid = int(sys.argv.pop(1))
def _watch():
    while os.getppid() == ppid:
        time.sleep(1.0)
    os._exit(0)
threading.Thread(target=_watch, daemon=True).start()
try:  # log-probabilities of the completion only (fastlogprobs.py); the server runs either way
    from retrieval.llm.fastlogprobs import install
    if install():
        print("analyst: log-probabilities of the completion's rows only", file=sys.stderr, flush=True)
except Exception as exc:
    print(f"analyst: log-probabilities not sped up: {exc!r}", file=sys.stderr)
sys.argv[0] = "llama_cpp.server"
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""

_LIVE: set["LocalLLMServer"] = set()
_LIVE_LOCK = threading.Lock()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_setting_names() -> set[str]:
    """Field names of llama_cpp.server's settings: its pydantic-settings read them (unprefixed) from
    the environment, so a stray API_KEY or CONFIG_FILE in ours must not reach the child."""
    names = {"config_file", "api_key", "host", "port", "model", "model_alias"}
    spec = importlib.util.find_spec("llama_cpp")
    if spec and spec.submodule_search_locations:
        source = Path(list(spec.submodule_search_locations)[0]) / "server" / "settings.py"
        with contextlib.suppress(OSError, SyntaxError):
            for node in ast.walk(ast.parse(source.read_text())):
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names.add(node.target.id)
    return names


def _child_env() -> dict[str, str]:
    strip = {n.lower() for n in _server_setting_names()}
    return {k: v for k, v in os.environ.items() if k.lower() not in strip}


class LocalLLMServer:
    """`llama_cpp.server` on 127.0.0.1 as a child process (own process group, log in the data dir)."""

    host = "127.0.0.1"

    def __init__(self, settings, model: Path | None = None, *, start_timeout_s: float = 120.0) -> None:
        self.settings = settings
        self.model = model
        self.start_timeout_s = start_timeout_s
        self.port: int | None = None
        self.log_path = Path(settings.data_dir) / "logs" / "llama-server.log"
        self._log_offset = 0
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise LLMUnavailableError("The local LLM server is not started.")
        return f"http://{self.host}:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> "LocalLLMServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def model_home(self) -> Path:
        """Where the assembled model lives: ANALYST_MODEL_DIR (e.g. baked into an image), else the data dir."""
        return Path(self.settings.model_dir or self.settings.data_dir)

    def start(self) -> "LocalLLMServer":
        with self._lock:
            if self.running:
                return self
            if importlib.util.find_spec("llama_cpp") is None:
                raise LLMUnavailableError("llama-cpp-python is not installed.", hint=INSTALL_HINT)
            self.model = self.model or assemble_model(self.model_home)
            attempts = 1 if self.settings.llm_port else 2  # a picked free port can be taken meanwhile
            for attempt in range(1, attempts + 1):
                self.port = self.settings.llm_port or free_port()
                self._spawn()
                with _LIVE_LOCK:  # from now on atexit stops it, whatever happens while waiting
                    _LIVE.add(self)
                try:
                    self._wait_ready()
                    return self
                except BaseException as exc:
                    self._terminate(self._proc)
                    self._proc = None
                    with _LIVE_LOCK:
                        _LIVE.discard(self)
                    retry = isinstance(exc, LLMUnavailableError) and attempt < attempts and \
                        "address already in use" in self.log_tail().lower()
                    if not retry:
                        raise
        return self

    def _command(self) -> list[str]:
        s = self.settings
        return [sys.executable, "-c", _LAUNCHER, str(os.getpid()),
                "--model", str(self.model), "--model_alias", s.llm_model,
                "--host", self.host, "--port", str(self.port),
                "--n_ctx", str(s.llm_ctx), "--n_threads", str(s.llm_threads),
                "--n_threads_batch", str(s.llm_threads), "--n_batch", str(s.llm_batch),
                "--interrupt_requests", "false"]

    def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.log_path.exists() and self.log_path.stat().st_size > 20 * 1024 * 1024:
            self.log_path.unlink()
        with open(self.log_path, "ab") as log_fh:
            self._log_offset = log_fh.tell()
            log.info("Starting the local LLM server on %s:%s (log: %s)", self.host, self.port, self.log_path)
            self._proc = subprocess.Popen(
                self._command(), stdin=subprocess.DEVNULL, stdout=log_fh, stderr=subprocess.STDOUT,
                env=_child_env(), start_new_session=True, close_fds=True)

    def _wait_ready(self) -> None:
        started = time.monotonic()
        deadline = started + self.start_timeout_s
        url = f"{self.base_url}/models"
        while time.monotonic() < deadline:
            code = self._proc.poll()
            if code is not None:
                raise self._start_error(f"The local LLM server exited with code {code} while starting.")
            with contextlib.suppress(OSError, ValueError):
                with urllib.request.urlopen(url, timeout=2.0) as resp:
                    if resp.status == 200:
                        log.info("Local LLM server ready at %s in %.1f s", self.base_url,
                                 time.monotonic() - started)
                        return
            time.sleep(0.25)
        raise self._start_error(f"The local LLM server did not answer within {self.start_timeout_s:.0f} s.")

    def _start_error(self, message: str) -> LLMUnavailableError:
        return LLMUnavailableError(message, hint=f"Server log {self.log_path}, last lines:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        """The last lines this run wrote to the server log."""
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(self._log_offset)
                text = fh.read().decode("utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout_s: float = 5.0) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        with _LIVE_LOCK:
            _LIVE.discard(self)
        if proc is not None:
            self._terminate(proc, timeout_s)
            log.info("Local LLM server on port %s stopped", self.port)

    @staticmethod
    def _terminate(proc: subprocess.Popen | None, timeout_s: float = 5.0) -> None:
        if proc is None or proc.poll() is not None:
            return
        for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(wait_s)
                return
            except subprocess.TimeoutExpired:
                continue


@atexit.register
def _stop_all() -> None:
    with _LIVE_LOCK:
        servers = list(_LIVE)
    for server in servers:
        server.stop()


# ---- the process-wide registry of local servers ----------------------------------------------
class _ServerHandle:
    """One client's reference to a shared LocalLLMServer; the last release stops the server."""

    def __init__(self, key: tuple, server) -> None:
        self.key, self.server = key, server

    @property
    def running(self) -> bool:
        return self.server.running

    def release(self) -> None:
        with _SERVERS_LOCK:
            entry = _SERVERS.get(self.key)
            if entry is None or entry[0] is not self.server:
                return
            entry[1] -= 1
            if entry[1] > 0:
                return
            del _SERVERS[self.key]
        self.server.stop()


_SERVERS: dict[tuple, list] = {}  # key -> [LocalLLMServer, number of clients]
_SERVERS_LOCK = threading.Lock()


def acquire_shared(settings) -> _ServerHandle:
    """A handle on the one server for these settings in this process, started if it is not running."""
    key = (str(Path(settings.data_dir).resolve()), settings.llm_model, settings.llm_ctx,
           settings.llm_threads, settings.llm_port)
    with _SERVERS_LOCK:
        entry = _SERVERS.get(key)
        if entry is None or not entry[0].running:
            if entry is not None:
                entry[0].stop()
            entry = _SERVERS[key] = [LocalLLMServer(settings).start(), 0]
        entry[1] += 1
        return _ServerHandle(key, entry[0])
