"""The briefing in the terminal fronts: the CLI shows the first screen (all rows with --all, every row
in --json), `--since` narrows by document date, and the console pages with /more."""
import io
import json
import shutil

import pytest

from bot.cli import main
from bot.console import Console
from tests.compare.conftest import HERE


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    shutil.copytree(HERE / "corpus", base / "corpus")
    mp = pytest.MonkeyPatch()
    mp.setenv("ANALYST_LLM", "none")

    def run(capsys, *argv):
        code = main([*argv, "--data-dir", str(base / "data"), "--corpus", str(base / "corpus")])
        out, err = capsys.readouterr()
        return code, out, err

    assert main(["index", "--json", "--data-dir", str(base / "data"), "--corpus", str(base / "corpus")]) == 0
    yield run
    mp.undo()


def test_cli_first_screen_all_rows_and_json(cli, capsys):
    code, out, _ = cli(capsys, "compare", "northland", "southland", "--json")
    data = json.loads(out)
    assert code == 0 and data["first_page"] <= 12 and len(data["rows"]) >= data["first_page"]
    assert all({"topic_label", "dates"} <= set(r) for r in data["rows"])
    _, screen, _ = cli(capsys, "compare", "northland", "southland")
    _, everything, _ = cli(capsys, "compare", "northland", "southland", "--all")
    assert screen.count("\n- [") == data["first_page"] and everything.count("\n- [") == len(data["rows"])
    assert "--all" not in everything.split("\n")[-1]
    for r in data["rows"]:
        assert r["topic_label"] in everything and ", ".join(r["dates"]) in everything


def test_cli_since_keeps_later_documents(cli, capsys):
    code, out, _ = cli(capsys, "compare", "northland", "southland", "--since", "2024-06-01", "--json")
    data = json.loads(out)
    dates = [c["date"] for r in data["rows"] for c in r["a"] + r["b"]]
    assert code == 0 and dates and min(dates) >= "2024-06-01" and data["since"] == "2024-06-01"
    code, _, err = cli(capsys, "compare", "northland", "southland", "--since", "last week")
    assert code != 0 and "YYYY-MM-DD" in err


def test_console_more_pages_through_the_last_comparison(indexed):
    res = indexed.compare("kremlin", "news")
    assert len(res.rows) > res.first_page, "the seed's kremlin/news briefing needs a second screen"
    out = io.StringIO()
    lines = "/more\n/compare kremlin news\n" + "/more\n" * 3
    Console(indexed, stdin=io.StringIO(lines), stdout=out).run()
    text = out.getvalue()
    assert "Nothing more to show: run /compare first." in text
    first, rest = text.split("/more in the console", 1)
    assert first.count("\n- [") == res.first_page
    assert text.count("\n- [") == len(res.rows) and "No more rows." in rest
