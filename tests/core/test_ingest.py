"""Uploads into the corpus: checked before writing, never overwriting, indexed right away."""
import pytest

from retrieval.errors import DocumentError, UnknownSourceError


def test_ingest_writes_under_source_and_indexes(indexed, corpus_dir):
    r = indexed.ingest("readout.md", b"The Kremlin said talks resume on Friday in Riyadh.", "Putin")
    assert r.added == 1 and (corpus_dir / "kremlin" / "readout.md").is_file()
    hit = indexed.search("talks resume Friday Riyadh")[0].passage
    assert hit.doc == "kremlin/readout.md" and hit.source == "kremlin"


def test_same_name_other_content_is_not_overwritten(indexed, corpus_dir):
    indexed.ingest("note.txt", b"First version.", None)
    indexed.ingest("note.txt", b"First version.", None)  # identical: nothing new written
    indexed.ingest("note.txt", b"Second version.", None)
    assert (corpus_dir / "note.txt").read_text() == "First version."
    assert (corpus_dir / "note-2.txt").read_text() == "Second version."
    assert not (corpus_dir / "note-3.txt").exists()


@pytest.mark.parametrize("name,data,err,match", [
    ("x.exe", b"MZ", DocumentError, "only"),
    ("../../etc/passwd.md", b"\x00\x01binary", DocumentError, "binary"),
    ("bad.md", b"---\ntitle: [oops\n---\ntext", DocumentError, "front matter"),
    (".hidden.md", b"text", DocumentError, "Invalid file name"),
])
def test_bad_uploads_are_refused_before_writing(indexed, corpus_dir, name, data, err, match):
    before = sorted(p.name for p in corpus_dir.rglob("*"))
    with pytest.raises(err, match=match):
        indexed.ingest(name, data, None)
    assert sorted(p.name for p in corpus_dir.rglob("*")) == before


def test_unknown_source_and_size_limit(indexed, corpus_dir):
    with pytest.raises(UnknownSourceError):
        indexed.ingest("a.md", b"text", "elysee")
    indexed.settings.max_upload_bytes = 10
    with pytest.raises(DocumentError, match="too large"):
        indexed.ingest("a.md", b"x" * 11, None)
    assert not (corpus_dir / "a.md").exists()
