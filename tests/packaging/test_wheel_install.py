"""A non-editable install answers a question: the project built as a wheel (the way `pip install .` and
the Docker image install it), installed into a fresh folder, run from a directory with no source
checkout in it. The prompts must come from the installed package data, not from the repository."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"  # a clean copy: setuptools writes build/ into the tree it builds
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", ".analyst",
                                                             "__pycache__", ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(work),
                    str(src)], check=True, capture_output=True, timeout=600)
    [wheel] = list(work.glob("analyst-*.whl"))
    target = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=600)
    return target


def test_the_wheel_ships_code_and_prompts(installed):
    assert (installed / "prompts" / "answer.md").is_file()
    assert (installed / "retrieval" / "text" / "lexicon.py").is_file()
    assert (installed / "bot" / "discord" / "app.py").is_file()
    assert not (installed / "tests").exists()


def test_the_installed_package_answers_a_question(installed, tmp_path, corpus_dir):
    env = {**os.environ, "PYTHONPATH": str(installed), "ANALYST_LLM": "none"}
    env.pop("PYTHONSAFEPATH", None)
    code = ("import json, sys, prompts, retrieval; from bot.cli import main; "
            "print(json.dumps([prompts.__file__, retrieval.__file__]), file=sys.stderr); "
            "sys.exit(main(sys.argv[1:]))")
    args = ["--data-dir", str(tmp_path / "data"), "--corpus", str(corpus_dir), "--json"]

    def analyst(*argv):
        done = subprocess.run([sys.executable, "-c", code, *argv, *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return done

    analyst("index")
    done = analyst("ask", "How many injured servicemen will be handed over?")
    files = json.loads(done.stderr.splitlines()[0])
    assert all(f.startswith(str(installed)) for f in files), files  # not the source checkout
    answer = json.loads(done.stdout)
    assert answer["grounded"] and any("23" in c["quote"] for c in answer["citations"])
