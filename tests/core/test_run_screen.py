"""`make run`'s first screen: with the install done (its stamp present), `make run` prints only
Analyst's own progress (no pip, setuptools or library lines) before the console channel opens. Drives
the real Makefile and the installed `analyst` entry point in a subprocess, with the console's input
piped in; no model (ANALYST_LLM=none) and no Discord token."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not (ROOT / ".venv" / ".installed").exists() or shutil.which("make") is None,
                    reason="needs the installed .venv (make install) and make")
def test_make_run_first_screen_is_analysts_own_progress(tmp_path, corpus_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANALYST_", "DISCORD_"))}
    env.update(ANALYST_LLM="none", ANALYST_DATA_DIR=str(tmp_path / "data"), ANALYST_CORPUS_DIR=str(corpus_dir),
               DISCORD_TOKEN="")
    proc = subprocess.run(["make", "--no-print-directory", "-s", "run"], cwd=ROOT, env=env, input="/quit\n",
                          capture_output=True, text=True, timeout=300)
    screen = (proc.stderr + proc.stdout).splitlines()
    assert proc.returncode == 0, screen[-20:]
    assert screen[:2] == ["No DISCORD_TOKEN set: starting the console channel.", "Indexing corpus/ …"], screen[:6]
    assert any(line.startswith("Analyst console channel.") for line in screen[:8]), screen[:8]
    noise = [line for line in screen if any(w in line for w in ("setuptools", "pip ", "DEBUG", "Warning", "WARNING"))]
    assert not noise, noise
