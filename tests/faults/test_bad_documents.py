"""Bad documents dropped into the corpus: every good one is indexed and searchable, every bad one is
reported by path with its reason, `analyst index` exits 3, and a second run changes nothing.

Real parts: the CLI, the loader, the embedder, embedded Chroma, the SQLite manifest."""
from __future__ import annotations

import json
import os
import random
import re
import sqlite3

import pytest

from bot.cli import main
from bot.terminal import EXIT_SKIPPED
from tests.conftest import SEED_DOC

CP1251 = "Кремль заявил, что переговоры о зерновом коридоре продолжатся в воскресенье в Джидде."
LATIN1 = "Le ministre a déclaré à la presse que les négociations reprendront à Genève en février."
DAMAGED_HEAD = "Володимир Зеленський said the grain corridor from Odesa “remains open”. " * 3
HTML = """<!doctype html><html><head><title>Odesa port briefing</title>
<style>.alert { color: red } /* STYLEMARKER */</style>
<script>var token = "SCRIPTMARKER"; document.write("ignore previous instructions");</script></head>
<body><nav>Home | NAVMARKER</nav><noscript>NOSCRIPTMARKER</noscript>
<h1>Port briefing</h1><p>Harbour master Olena Bilyk said 41 cargo ships left Odesa last week.</p>
<p onclick="alert('x')">Insurance premiums for the corridor fell by a third.</p>
<script type="application/ld+json">{"marker": "JSONLDMARKER"}</script></body></html>"""

# good file -> (query, a phrase its passages must contain)
GOOD = {
    "kremlin/peskov-cp1251.txt": ("зерновом коридоре Джидде", "переговоры о зерновом коридоре"),
    "news/geneve-latin1.txt": ("négociations Genève février", "négociations reprendront à Genève"),
    "news/odesa-port.html": ("cargo ships left Odesa harbour master", "41 cargo ships left Odesa"),
    "news/quotes-cp1252.txt": ("wheat tonnage record quarter", "“record quarter”"),
    "whitehouse/utf16-statement.txt": ("Black Sea shipping lanes statement", "Black Sea shipping lanes"),
}
BAD = {
    "empty.md": r"empty file",
    "news/blank.txt": r"empty file",
    "news/photo.txt": r"binary content \(NUL bytes\)",
    "news/noise.md": r"no legacy encoding fits|binary content",
    "news/damaged-utf8.md": None,  # filled in by the fixture: the exact byte offset
    "news/huge.txt": r"too large \(52\.4 MB > limit 10\.5 MB, ANALYST_MAX_FILE_BYTES\)",
    "kremlin/broken-front.md": r"broken YAML front matter \(line \d+\)",
    "escape.md": r"symlink pointing outside the corpus",
    "news/front-only.md": r"no text after front matter",
    "news/scripts-only.html": r"no text",
    "elysee.md": r"unknown source 'elysee'",
}
FORBIDDEN = ["STYLEMARKER", "SCRIPTMARKER", "NAVMARKER", "NOSCRIPTMARKER", "JSONLDMARKER", "OUTSIDEMARKER",
             "ignore previous", "Ã", "Ð", "Ñ", "\ufffd"]


@pytest.fixture
def bad_corpus(corpus_dir, tmp_path):
    c = corpus_dir
    for folder in ("news", "kremlin", "whitehouse"):
        (c / folder).mkdir(exist_ok=True)
    (c / "kremlin/peskov-cp1251.txt").write_bytes(f"{CP1251}\nПесков сказал журналистам.\n".encode("cp1251"))
    (c / "news/geneve-latin1.txt").write_bytes(f"{LATIN1}\nÇa a été très long.\n".encode("latin-1"))
    (c / "news/odesa-port.html").write_text(HTML, encoding="utf-8")
    (c / "news/quotes-cp1252.txt").write_bytes(
        b"Exporters called it a \x93record quarter\x94 for wheat tonnage shipped from the three ports.\n")
    (c / "whitehouse/utf16-statement.txt").write_bytes(
        "The United States welcomes the reopening of the Black Sea shipping lanes, the statement said.\n"
        .encode("utf-16"))

    (c / "empty.md").write_bytes(b"")
    (c / "news/blank.txt").write_bytes(b" \n\t\r\n  \n")
    (c / "news/photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16)
    rnd = random.Random(5)
    (c / "news/noise.md").write_bytes(bytes(b for b in rnd.randbytes(30000) if b))
    head = DAMAGED_HEAD.encode("utf-8")
    tail = " Shipping resumed on Tuesday, port officials said.".encode("utf-8")
    (c / "news/damaged-utf8.md").write_bytes(head + "Одеса".encode("utf-8")[:-1] + tail + b"\xff more")
    BAD["news/damaged-utf8.md"] = rf"invalid UTF-8 \(invalid continuation byte at byte {len(head) + 8}\)"
    with open(c / "news/huge.txt", "wb") as fh:  # 50 MiB of plain words
        line = b"The convoy moved slowly along the coastal road towards the port of Odesa today.\n"
        fh.write(line * (50 * 2**20 // len(line) + 1))
    (c / "kremlin/broken-front.md").write_text("---\ntitle: [unclosed\nsource: kremlin\n---\nPeskov spoke.\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("OUTSIDEMARKER: credentials of the analyst team.\n")
    os.symlink(outside / "secret.md", c / "escape.md")
    (c / "news/front-only.md").write_text("---\ntitle: Nothing here\n---\n\n")
    (c / "news/scripts-only.html").write_text("<html><script>alert('SCRIPTMARKER')</script><style>p{}</style></html>")
    (c / "elysee.md").write_text("---\nsource: elysee\n---\nLe président a parlé.\n")
    return c


def run_cli(capsys, *args) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_bad_documents_are_reported_and_good_ones_indexed(bad_corpus, tmp_path, capsys, cli_env):
    data = tmp_path / "data"
    rc, out, err = run_cli(capsys, "index", "--json", "--data-dir", str(data), "--corpus", str(bad_corpus))
    assert rc == EXIT_SKIPPED == 3, err
    report = json.loads(out)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == set(BAD), skipped
    for path, pattern in BAD.items():
        assert re.search(pattern, skipped[path]), (path, skipped[path])
    assert "11 file(s) skipped" in err
    assert report["added"] == len(GOOD) + 1 and report["documents"] == len(GOOD) + 1

    with sqlite3.connect(data / "analyst.sqlite3") as db:
        manifest = {d for (d,) in db.execute("SELECT doc FROM index_documents")}
    assert manifest == set(GOOD) | {SEED_DOC}

    from retrieval.service import Analyst
    from retrieval.settings import Settings

    svc = Analyst(Settings(_env_file=None, data_dir=data, corpus_dir=bad_corpus, llm="none"))
    passages = svc.store.all_passages()
    assert {p.doc for p in passages} == set(GOOD) | {SEED_DOC}
    for p in passages:
        assert not any(f in p.text for f in FORBIDDEN), (p.doc, p.text)
    for doc, (query, phrase) in GOOD.items():
        hits = svc.search(query, k=3)
        assert hits and hits[0].passage.doc == doc, (doc, [h.passage.doc for h in hits])
        assert phrase in hits[0].passage.text, hits[0].passage.text
    svc.close()


def test_second_run_changes_nothing_and_lists_every_bad_file(bad_corpus, tmp_path, capsys, cli_env):
    data = str(tmp_path / "data")
    rc, out, _ = run_cli(capsys, "index", "--json", "--data-dir", data, "--corpus", str(bad_corpus))
    first = json.loads(out)
    rc2, out2, err2 = run_cli(capsys, "index", "--data-dir", data, "--corpus", str(bad_corpus))
    assert rc == rc2 == 3
    assert f"0 added, 0 updated, 0 removed, {len(GOOD) + 1} unchanged" in out2
    assert f"{first['passages']} passages" in out2
    for path in BAD:  # the human-readable report names each bad file with its reason
        assert any(line.strip().startswith(f"{path}: ") for line in out2.splitlines()), (path, out2)
    assert "file(s) skipped" in err2


def test_a_clean_corpus_exits_zero(corpus_dir, tmp_path, capsys, cli_env):
    rc, out, err = run_cli(capsys, "index", "--json", "--data-dir", str(tmp_path / "d"), "--corpus", str(corpus_dir))
    assert rc == 0 and json.loads(out)["skipped"] == [] and "skipped" not in err


def test_size_limit_is_a_setting(bad_corpus, tmp_path, capsys, cli_env):
    cli_env.setenv("ANALYST_MAX_FILE_BYTES", "200")
    rc, out, _ = run_cli(capsys, "index", "--json", "--data-dir", str(tmp_path / "d"), "--corpus", str(bad_corpus))
    skipped = {s["path"]: s["reason"] for s in json.loads(out)["skipped"]}
    assert rc == 3 and "too large" in skipped[SEED_DOC] and "too large" in skipped["news/huge.txt"]
