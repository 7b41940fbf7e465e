"""`sources add`: validated, atomic, comments kept; feeds in sources.yaml are parsed and checked."""
from __future__ import annotations

import pytest

from retrieval.corpus.sources import Feed, SourceRegistry
from retrieval.errors import AnalystError


def test_a_new_source_is_appended_and_every_comment_kept(service, corpus_dir):
    path = corpus_dir / "sources.yaml"
    before = path.read_text(encoding="utf-8")
    info = service.add_source("tass", "TASS", ["TASS agency", "Russian news agency"],
                              ["https://tass.com/rss/v2.xml"])
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)  # the whole old file, comments included, is untouched
    assert info.id == "tass" and info.aliases == ["TASS agency", "Russian news agency"]
    src = SourceRegistry.load(path).get("tass")
    assert src.name == "TASS" and src.feeds == (Feed("https://tass.com/rss/v2.xml"),)
    assert service.resolve_source("Russian news agency") == "tass"  # the service sees it at once


def test_feeds_and_aliases_are_merged_into_an_existing_source(service, corpus_dir):
    path = corpus_dir / "sources.yaml"
    before = path.read_text(encoding="utf-8").splitlines()
    service.add_source("kremlin", aliases=["Kremlin press service", "Putin"],
                       feeds=["http://en.kremlin.ru/events/president/news/feed"])
    service.add_source("kremlin", feeds=["http://en.kremlin.ru/events/president/news/feed"])  # no duplicate
    after = path.read_text(encoding="utf-8").splitlines()
    src = SourceRegistry.load(path).get("kremlin")
    assert src.name == "The Kremlin" and src.aliases[-1] == "Kremlin press service"
    assert list(src.aliases).count("Putin") == 1
    assert src.feeds == (Feed("http://en.kremlin.ru/events/president/news/feed"),)
    assert [ln for ln in before if ln.startswith("#")] == [ln for ln in after if ln.startswith("#")]
    untouched = [ln for ln in before if "kremlin" not in ln.lower() and "putin" not in ln.lower()]
    assert all(ln in after for ln in untouched)
    assert SourceRegistry.load(path).get("zelenskyy").aliases[0] == "Zelenskyy"


@pytest.mark.parametrize("args, reason", [
    (("Bad ID", "X"), "must be 2-40 lowercase"),
    (("tass", None), "needs a name"),
    (("tass", "TASS", ["Putin"]), "already names source 'kremlin'"),
    (("tass", "TASS", [], ["ftp://tass.com/feed"]), "http(s) URL"),
    (("tass", "TASS", [], ["not a url"]), "http(s) URL"),
])
def test_invalid_additions_are_refused_and_leave_the_file_alone(service, corpus_dir, args, reason):
    path = corpus_dir / "sources.yaml"
    before = path.read_bytes()
    with pytest.raises(AnalystError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        service.add_source(*args)
    assert path.read_bytes() == before
    assert not [p for p in corpus_dir.iterdir() if p.name.endswith(".tmp")]


def test_feed_entries_are_validated_when_loading():
    text = ("sources:\n  a1:\n    name: A\n    feeds:\n      - https://a.example/rss\n"
            "      - {url: http://b.example/atom, every_minutes: 15}\n")
    assert SourceRegistry.parse(text).feeds() == [
        ("a1", Feed("https://a.example/rss")), ("a1", Feed("http://b.example/atom", 15))]
    for bad in ("feeds: [file:///etc/passwd]", "feeds: [{url: https://a.example/rss, every_minutes: 0}]",
                "feeds: https://a.example/rss"):
        with pytest.raises(ValueError, match="feed"):
            SourceRegistry.parse(f"sources:\n  a1:\n    name: A\n    {bad}\n")


def test_a_registry_in_flow_style_is_rewritten_whole(tmp_path):
    from retrieval.corpus.sources_edit import add_source

    path = tmp_path / "sources.yaml"
    path.write_text("sources: {aa: {name: A, aliases: [x]}}\n")
    add_source(path, "bb", "B", ["y"], ["https://b.example/rss"])
    reg = SourceRegistry.load(path)
    assert [s.id for s in reg.all()] == ["aa", "bb"] and reg.get("bb").feeds[0].url == "https://b.example/rss"
    add_source(tmp_path / "new.yaml", "cc", "C")
    assert SourceRegistry.load(tmp_path / "new.yaml").get("cc").name == "C"
