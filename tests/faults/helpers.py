"""Helpers for the fault suite: a corpus of many small documents, `analyst` in a subprocess, and a
snapshot of everything an index run writes (manifest, passages, claims, ledger) to compare runs."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import CORPUS, REPO

SPEAKERS = {"kremlin": "The Kremlin said", "whitehouse": "The White House said",
            "zelenskyy": "Zelenskyy said", "news": "Reporters said"}
PLACES = ["Belgorod", "Kharkiv", "Odesa", "Kursk", "Sumy", "Zaporizhzhia", "Kherson", "Dnipro"]


def many_documents(root: Path, n: int = 48) -> list[str]:
    """n documents of 2-3 passages each, spread over four source folders; returns their paths."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "sources.yaml", root / "sources.yaml")
    docs = []
    folders = list(SPEAKERS)
    for i in range(n):
        folder = folders[i % len(folders)]
        place = PLACES[i % len(PLACES)]
        who = SPEAKERS[folder]
        paras = [
            f"{who} that {10 + i} drones were shot down over {place} on the night of March {1 + i % 28}. "
            f"Air defence units were on duty until dawn, and officials counted the debris in the morning.",
            f"{who} that {100 + 7 * i} families in {place} had lost power after the strikes, "
            f"and that repair crews would need {2 + i % 5} days to restore the grid in the district.",
            f"According to the statement, talks on a partial ceasefire covering energy sites would resume "
            f"in week {i % 9 + 1}, with the next round of technical consultations planned in Riyadh. "
            f"Observers noted that document number {i} repeated the figures given earlier that day.",
        ]
        path = root / folder / f"report-{i:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: Report {i} on {place}\ndate: 2025-03-{1 + i % 28:02d}\n---\n"
                        + "\n\n".join(paras) + "\n", encoding="utf-8")
        docs.append(path.relative_to(root).as_posix())
    return docs


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANALYST_") and k != "DISCORD_TOKEN"}
    env.update(PYTHONPATH=str(REPO), ANALYST_LLM="none", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def spawn_index(data: Path, corpus: Path, cwd: Path, **env: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "bot.cli", "index", "--data-dir", str(data), "--corpus", str(corpus)]
    return subprocess.Popen(cmd, cwd=cwd, env=cli_env(**env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def run_index(data: Path, corpus: Path, cwd: Path, timeout: float = 300, **env: str):
    proc = spawn_index(data, corpus, cwd, **env)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_for_lines(proc: subprocess.Popen, marker: str, count: int, timeout: float = 180) -> list[str]:
    """Read the child's stderr until `count` lines contain `marker`; returns the lines read."""
    seen, lines = 0, []
    deadline = time.monotonic() + timeout
    while seen < count:
        line = proc.stderr.readline()
        if not line:
            raise AssertionError(f"child ended before {count} x {marker!r}:\n" + "".join(lines[-30:]))
        lines.append(line)
        seen += marker in line
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {count} x {marker!r}")
    return lines


def snapshot(data: Path) -> dict:
    """What an index run leaves behind, in comparable form. Opens Chroma in this process: call it only
    once every child process writing to `data` has exited."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    import retrieval.index.embeddings  # noqa: F401  (registers the embedding function)

    with sqlite3.connect(data / "analyst.sqlite3") as db:
        manifest = dict(db.execute("SELECT doc, passages FROM index_documents"))
        claims = sorted(db.execute("SELECT id, doc FROM claims_items"))
        ledger = sorted(r[0] for r in db.execute("SELECT id FROM ledger_contradictions WHERE status != 'retired'"))
    client = chromadb.PersistentClient(path=str(data / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    got = client.get_collection("passages").get(include=["metadatas"])
    passages = sorted(zip(got["ids"], (m["doc"] for m in got["metadatas"])))
    names = {c.name for c in client.list_collections()}
    claim_ids = sorted(client.get_collection("claims").get(include=[])["ids"]) if "claims" in names else []
    return {"manifest": manifest, "passages": passages, "claims": claims, "claim_vectors": claim_ids,
            "ledger": ledger}


def assert_consistent(snap: dict) -> None:
    """Internal consistency: every passage belongs to a manifest document, counts agree, no orphans."""
    per_doc: dict[str, int] = {}
    for _, doc in snap["passages"]:
        per_doc[doc] = per_doc.get(doc, 0) + 1
    assert per_doc == snap["manifest"], "passages per document differ from the manifest"
    assert {d for _, d in snap["claims"]} <= set(snap["manifest"]), "claims of documents not indexed"
    assert sorted(i for i, _ in snap["claims"]) == snap["claim_vectors"], "claims table and vectors differ"
