"""Benchmarks and the development set's scorers (`make bench`). The paths they share live here."""
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEVSET = REPO / "bench" / "devset"
SEED = REPO / "corpus" / "trump-putin-call-2025-03-18.md"
# The development corpora: every folder of bench/devset/ with its own sources.yaml.
CORPORA = tuple(sorted(p.parent.name for p in DEVSET.glob("*/sources.yaml")))
