"""The development set (bench/devset/) stays consistent: every quote an exact span of its document,
labels, kinds, splits and disputes as bench/devset/validate.py checks them. The benches and the
README's figures rest on it."""
import subprocess
import sys
from pathlib import Path

VALIDATE = Path(__file__).resolve().parents[2] / "bench" / "devset" / "validate.py"


def test_the_development_set_validates():
    run = subprocess.run([sys.executable, str(VALIDATE)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "fr4978=8" in run.stdout and "skripal=10" in run.stdout  # the later corpora are checked too
