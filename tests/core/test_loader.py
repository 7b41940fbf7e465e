"""Loading: front matter, source from folder, HTML, encodings, and a clear reason for each bad file."""
import os
from pathlib import Path

import pytest

from retrieval.errors import DocumentError
from retrieval.corpus.loader import discover, load_document
from retrieval.corpus.sources import SourceRegistry
from tests.conftest import CORPUS


@pytest.fixture
def registry():
    return SourceRegistry.load(CORPUS / "sources.yaml")


def load(path: Path, root: Path, registry, max_bytes=10**6):
    return load_document(path, root, registry, max_bytes=max_bytes)


def test_front_matter_and_offsets(tmp_path, registry):
    f = tmp_path / "a.md"
    f.write_text("---\nsource: Kremlin\ntitle: Readout\ndate: 2025-03-18\nurl: http://x\n---\nPutin spoke.\n")
    d = load(f, tmp_path, registry)
    assert (d.source, d.title, d.date, d.url, d.text, d.doc) == (
        "kremlin", "Readout", "2025-03-18", "http://x", "Putin spoke.\n", "a.md")


def test_source_from_folder(tmp_path, registry):
    (tmp_path / "whitehouse").mkdir()
    f = tmp_path / "whitehouse" / "readout.txt"
    f.write_text("The call went well.")
    d = load(f, tmp_path, registry)
    assert d.source == "whitehouse" and d.doc == "whitehouse/readout.txt"


def test_unknown_source_is_refused_with_reason(tmp_path, registry):
    f = tmp_path / "a.md"
    f.write_text("---\nsource: elysee\n---\nBonjour.")
    with pytest.raises(DocumentError, match="unknown source 'elysee'") as err:
        load(f, tmp_path, registry)
    assert "analyst sources add elysee --name" in str(err.value)  # says how to register it


def test_an_unknown_source_close_to_a_known_one_is_named(tmp_path, registry):
    """A typo is not a new publisher: the error names the registered source it is close to."""
    f = tmp_path / "a.md"
    f.write_text("---\nsource: whitehose\n---\nText.")
    with pytest.raises(DocumentError, match="did you mean 'whitehouse'") as err:
        load(f, tmp_path, registry)
    assert "sources add" not in str(err.value)
    (tmp_path / "Le Monde").mkdir()
    g = tmp_path / "Le Monde" / "b.md"
    g.write_text("Texte.")
    with pytest.raises(DocumentError, match="folder 'Le Monde' is not a known source") as err:
        load(g, tmp_path, registry)
    assert "analyst sources add le-monde --name" in str(err.value)


def test_broken_front_matter(tmp_path, registry):
    f = tmp_path / "a.md"
    f.write_text("---\ntitle: [unclosed\n---\nText.")
    with pytest.raises(DocumentError, match="broken YAML front matter"):
        load(f, tmp_path, registry)


def test_html_drops_scripts_and_styles(tmp_path, registry):
    f = tmp_path / "p.html"
    f.write_text("<html><head><title>T</title><style>p{}</style></head><body><script>alert(1)</script>"
                 "<p>First para.</p><p>Second&nbsp;para.</p></body></html>")
    d = load(f, tmp_path, registry)
    assert d.title == "T" and "alert" not in d.text and "p{}" not in d.text
    assert d.text == "First para.\nSecond para."


def test_legacy_encoding_is_decoded(tmp_path, registry):
    f = tmp_path / "ru.txt"
    f.write_bytes("Кремль заявил, что переговоры продолжатся в воскресенье в Джидде.".encode("cp1251"))
    d = load(f, tmp_path, registry)
    assert "Кремль" in d.text


@pytest.mark.parametrize("content,reason", [
    (b"", "empty file"),
    (b"   \n\t\n", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary content"),
])
def test_bad_files(tmp_path, registry, content, reason):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(DocumentError, match=reason):
        load(f, tmp_path, registry)


def test_too_large(tmp_path, registry):
    f = tmp_path / "big.txt"
    f.write_text("word " * 1000)
    with pytest.raises(DocumentError, match="too large"):
        load(f, tmp_path, registry, max_bytes=1000)


def test_symlink_out_of_corpus(tmp_path, registry):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    root = tmp_path / "corpus"
    root.mkdir()
    os.symlink(outside, root / "link.txt")
    with pytest.raises(DocumentError, match="symlink pointing outside"):
        load(root / "link.txt", root, registry)


def test_discover_skips_hidden_and_other_types(tmp_path):
    for name in ["a.md", "b.txt", "c.html", "d.pdf", ".hidden.md", "sources.yaml"]:
        (tmp_path / name).write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "e.md").write_text("x")
    assert [p.name for p in discover(tmp_path)] == ["a.md", "b.txt", "c.html"]


@pytest.mark.parametrize("written, iso", [
    ("2031-04-07", "2031-04-07"), ("7 April 2031", "2031-04-07"), ("April 7, 2031", "2031-04-07"),
    ("Apr. 7, 2031", "2031-04-07"), ("7th April 2031", "2031-04-07"), ("2031/04/07", "2031-04-07"),
    ("next Tuesday", None),
])
def test_front_matter_dates_are_stored_as_iso(tmp_path, registry, caplog, written, iso):
    """Dated answers, "changed position" and --since compare ISO dates: a date written another common
    way is converted, and one that cannot be read is dropped with a warning naming the file."""
    f = tmp_path / "a.md"
    f.write_text(f"---\nsource: kremlin\ndate: \"{written}\"\n---\nPutin spoke.\n")
    assert load(f, tmp_path, registry).date == iso
    assert ("a.md: front matter date" in caplog.text) == (iso is None)
