"""A three-publisher corpus (two governments and a wire service, invented for these tests) indexed once
into real Chroma with the real embedder (no LLM: deterministic checks only)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def avon(tmp_path_factory):
    from retrieval.service import Analyst
    from retrieval.settings import Settings

    base = tmp_path_factory.mktemp("avon")
    shutil.copytree(HERE / "corpus", base / "corpus")
    svc = Analyst(Settings(_env_file=None, data_dir=base / "data", corpus_dir=base / "corpus", llm="none"))
    report = svc.index()
    assert report.documents == 3 and not report.skipped
    yield svc
    svc.close()
