"""`analyst doctor` through the CLI: a healthy configuration is all ✓ (exit 0); each broken part is a ✗
with what to fix (exit 1); the Discord token is checked for its shape and never printed."""
from __future__ import annotations

import json
import os

import pytest

from bot.cli import main
from retrieval.corpus.sources import SourceRegistry
from tests.conftest import REPO, free_port

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GhIjKl.Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV6eA"


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("ANALYST_LLM", "none")
    return monkeypatch


def doctor(capsys, corpus, data, *extra) -> tuple[int, dict, str]:
    rc = main(["doctor", "--json", "--data-dir", str(data), "--corpus", str(corpus), *extra])
    out = capsys.readouterr()
    checks = json.loads(out.out)
    assert all(set(c) == {"name", "ok", "detail", "fix"} for c in checks)
    return rc, {c["name"]: c for c in checks}, out.out + out.err


def test_healthy_configuration(env, capsys, corpus_dir, tmp_path):
    rc, checks, _ = doctor(capsys, corpus_dir, tmp_path / "data")
    assert rc == 0, checks
    assert list(checks) == ["data directory", "corpus", "embedding model", "language model", "llama_cpp",
                            "chroma", "discord token", "digest channel", "feeds"]
    assert all(c["ok"] for c in checks.values())
    n_sources = len(SourceRegistry.load(corpus_dir / "sources.yaml").all())
    assert n_sources > 6 and f"1 document(s), {n_sources} source(s)" in checks["corpus"]["detail"]
    assert "extractive" in checks["language model"]["detail"]
    assert "nothing indexed yet" in checks["chroma"]["detail"]

    assert "none configured" in checks["feeds"]["detail"]

    rc = main(["doctor", "--data-dir", str(tmp_path / "data"), "--corpus", str(corpus_dir)])
    lines = capsys.readouterr().out.splitlines()
    assert rc == 0 and len(lines) == 9 and all(ln.startswith("✓ ") for ln in lines)


def test_everything_broken(env, capsys, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "sources.yaml").write_text("sources: [unclosed\n")
    env.setenv("ANALYST_LLM", "remote")
    env.setenv("ANALYST_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    env.setenv("ANALYST_LLM_CONNECT_TIMEOUT_S", "1")
    env.setenv("ANALYST_CHROMA_URL", f"http://admin:pw-s3cret@127.0.0.1:{free_port()}")
    env.setenv("DISCORD_TOKEN", "not-a-token-s3cret")
    rc, checks, text = doctor(capsys, corpus, tmp_path / "file" / "data")
    assert rc == 1
    bad = {name for name, c in checks.items() if not c["ok"]}
    assert bad == {"data directory", "corpus", "language model", "chroma", "discord token", "digest channel",
                   "feeds"}
    assert all(checks[n]["fix"] for n in bad)  # each says what to do
    assert "is not writable" in checks["data directory"]["detail"]
    assert "sources.yaml is invalid" in checks["corpus"]["detail"]
    assert "does not answer" in checks["language model"]["detail"]
    assert "server http://127.0.0.1:" in checks["chroma"]["detail"] and "unreachable" in checks["chroma"]["detail"]
    assert "1 dot-separated part(s)" in checks["discord token"]["detail"]
    assert "ANALYST_DIGEST_CHANNEL_ID" in checks["digest channel"]["fix"]
    assert "s3cret" not in text

    rc = main(["doctor", "--data-dir", str(tmp_path / "file" / "data"), "--corpus", str(corpus)])
    lines = capsys.readouterr().out.splitlines()
    assert rc == 1 and sum(ln.startswith("✗ ") for ln in lines) == 7
    assert sum(ln.startswith("    fix: ") for ln in lines) == 7


def test_other_commands_with_an_unusable_data_dir_fail_with_one_line(env, capsys, tmp_path, corpus_dir):
    (tmp_path / "file").write_text("not a folder")
    rc = main(["sources", "--data-dir", str(tmp_path / "file" / "data"), "--corpus", str(corpus_dir)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("analyst: cannot use the data directory")


def test_token_shape_and_digest_channel(env, capsys, corpus_dir, tmp_path):
    env.setenv("DISCORD_TOKEN", TOKEN)
    env.setenv("ANALYST_DIGEST_CHANNEL_ID", "123456789012345678")
    env.setenv("ANALYST_DIGEST_CRON", "30 7 * * 1-5")
    env.setenv("ANALYST_TIMEZONE", "Europe/Kyiv")
    rc, checks, text = doctor(capsys, corpus_dir, tmp_path / "data")
    assert rc == 0
    assert checks["discord token"]["detail"] == "set; format looks right (three base64url parts)"
    assert "123456789012345678" in checks["digest channel"]["detail"]
    assert TOKEN not in text and TOKEN.split(".")[2] not in text

    env.setenv("ANALYST_TIMEZONE", "Mars/Olympus")
    rc, checks, _ = doctor(capsys, corpus_dir, tmp_path / "data")
    assert rc == 1 and "invalid" in checks["digest channel"]["detail"]


def test_local_model_not_assembled_says_how(env, capsys, corpus_dir, tmp_path):
    env.setenv("ANALYST_LLM", "local")
    rc, checks, _ = doctor(capsys, corpus_dir, tmp_path / "data")
    llm = checks["language model"]
    assert rc == 1 and not llm["ok"] and "not assembled yet" in llm["detail"] and "assemble_model" in llm["fix"]
    assert checks["llama_cpp"]["ok"] and "importable" in checks["llama_cpp"]["detail"]


def test_local_model_verified(env, capsys, corpus_dir, tmp_path):
    from retrieval.llm.local import is_verified

    models = REPO / ".analyst" / "models"
    if not is_verified(REPO / ".analyst"):
        pytest.skip("the local model has not been assembled in <repo>/.analyst (the slow tests do it)")
    (tmp_path / "data").mkdir()
    os.symlink(models, tmp_path / "data" / "models")
    env.setenv("ANALYST_LLM", "local")
    rc, checks, _ = doctor(capsys, corpus_dir, tmp_path / "data")
    assert rc == 0 and "assembled and verified" in checks["language model"]["detail"]

    env.setenv("ANALYST_MODEL_DIR", str(REPO / ".analyst"))  # the model outside the data volume
    rc, checks, _ = doctor(capsys, corpus_dir, tmp_path / "other-data")
    assert rc == 0 and str(REPO / ".analyst") in checks["language model"]["detail"]


@pytest.mark.slow
def test_remote_endpoint_answering(env, capsys, corpus_dir, tmp_path, local_llm_url):
    env.setenv("ANALYST_LLM", "remote")
    env.setenv("ANALYST_LLM_BASE_URL", local_llm_url)
    rc, checks, _ = doctor(capsys, corpus_dir, tmp_path / "data")
    assert rc == 0 and checks["language model"]["detail"].startswith(f"endpoint {local_llm_url} answers")


def test_chroma_server_reachable(env, capsys, corpus_dir, tmp_path, chroma_server):
    url, _, _ = chroma_server
    env.setenv("ANALYST_CHROMA_URL", url)
    rc, checks, _ = doctor(capsys, corpus_dir, tmp_path / "data")
    assert rc == 0 and checks["chroma"]["detail"].startswith(f"server {url} reachable")
