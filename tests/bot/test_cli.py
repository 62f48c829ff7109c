"""The `reviewbot` command line: exit codes, one-line errors, and the catalog tools."""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from bot.charts import HEIGHT_PX, WIDTH_PX
from bot.cli import NO_TOKEN_MESSAGE, build_parser, main
from bot.config import VARIABLES

FIXTURES = Path(__file__).parent.parent / "fixtures"
SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "all-of-us-strangers.txt"
EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "examples" / "the-ferrymans-almanac.txt"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No token or settings leak in from the developer's shell or .env."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def cli(*args: str) -> int:
    return main(list(args))


def test_run_without_a_token_says_how_to_set_one_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli("run") == 2
    err = capsys.readouterr().err
    assert err.strip() == f"reviewbot: {NO_TOKEN_MESSAGE}"
    assert len(err.strip().splitlines()) == 1
    assert "DISCORD_TOKEN" in err and ".env" in err and "reviewbot console" in err


def test_sync_without_a_token_says_how_to_set_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("sync", "--guild", "1001") == 2
    assert capsys.readouterr().err.strip() == f"reviewbot: {NO_TOKEN_MESSAGE}"


def test_console_save_dir_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("console", "--save-dir", str(tmp_path / "missing")) == 2
    assert "no such folder" in capsys.readouterr().err


def test_help_lists_every_option_of_every_command() -> None:
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for parsed in (parser, *commands.choices.values()):
        text = parsed.format_help()
        options = [o for a in parsed._actions for o in a.option_strings]
        assert all(option in text for option in options), (parsed.prog, text)
        if parsed is not parser:
            assert "--database PATH" in text, parsed.prog
    assert "--env-file FILE" in parser.format_help()


def test_no_subcommand_means_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli() == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err


def test_malformed_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEV_GUILD_ID", "not-a-number")
    assert cli("stats") == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("reviewbot: DEV_GUILD_ID must be a Discord id")
    assert "\n" not in err


def test_a_database_the_cli_creates_starts_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "new.db")
    assert cli("--database", db, "import", str(FIXTURES / "pages" / "full.txt")) == 0
    assert "1 added" in capsys.readouterr().out
    assert cli("--database", db, "stats") == 0
    assert "Reviews: 1 " in capsys.readouterr().out


def test_a_read_only_command_on_a_missing_database_is_one_line_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo" / "reviews.db"
    for command in (["stats"], ["search", "heat"], ["show", "1"], ["export"]):
        assert cli("--database", str(missing), *command) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"reviewbot: {missing}: no such database") and err.count("\n") == 1
    assert not missing.parent.exists()


def test_import_then_search_prints_the_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    assert cli("--database", db, "import", str(FIXTURES / "reviews.json")) == 0
    assert "added" in capsys.readouterr().out
    title = json.loads((FIXTURES / "reviews.json").read_text(encoding="utf-8"))[0]["title"]
    assert cli("--database", db, "search", title.lower()) == 0
    assert f"▌ {title}" in capsys.readouterr().out


def test_reimport_reports_everything_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    page = str(FIXTURES / "pages" / "full.txt")
    assert cli("--database", db, "import", page) == 0
    capsys.readouterr()
    assert cli("--database", db, "import", page) == 0
    assert "0 added, 0 updated, 1 unchanged" in capsys.readouterr().out


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "x.db")
    assert cli("--database", db, "import", "--dry-run", str(FIXTURES / "reviews.csv")) == 0
    assert capsys.readouterr().out.startswith("Dry run: would import")
    assert cli("--database", db, "stats") == 0
    assert "Reviews: 0 " in capsys.readouterr().out


def test_malformed_file_fails_with_the_row_and_field_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    assert cli("--database", db, "import", str(FIXTURES / "bad" / "bad_row.csv")) == 2
    err = capsys.readouterr().err
    assert "nothing imported" in err and "line 3" in err and "score" in err
    assert cli("--database", db, "stats") == 2  # nothing imported, so no database either


def test_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("--database", str(tmp_path / "x.db"), "import", "nope.json") == 2
    assert capsys.readouterr().err.strip() == "reviewbot: nope.json: no such file"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_round_trips_through_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    source, copy = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    assert cli("--database", source, "import", str(FIXTURES / "reviews.json")) == 0
    out_file = tmp_path / f"export.{fmt}"
    assert cli("--database", source, "export", "--format", fmt, "--output", str(out_file)) == 0
    assert cli("--database", copy, "import", str(out_file)) == 0
    capsys.readouterr()
    assert cli("--database", copy, "import", str(out_file)) == 0
    assert "0 added, 0 updated" in capsys.readouterr().out
    assert cli("--database", copy, "export", "--format", "json") == 0
    exported_copy = json.loads(capsys.readouterr().out)
    assert cli("--database", source, "export", "--format", "json") == 0
    exported_source = json.loads(capsys.readouterr().out)

    def content(records: list[dict[str, object]]) -> list[dict[str, object]]:
        skip = {"id", "created_at", "updated_at", "created_by", "updated_by"}
        return [{k: v for k, v in r.items() if k not in skip} for r in records]

    assert content(exported_copy) == content(exported_source)


def test_show_unknown_id_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "x.db")
    assert cli("--database", db, "import", str(FIXTURES / "reviews.json")) == 0
    assert cli("--database", db, "show", "9999") == 2
    assert "no review with id 9999" in capsys.readouterr().err


def test_backup_is_a_usable_copy(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    assert cli("--database", db, "import", str(FIXTURES / "reviews.json")) == 0
    assert cli("--database", db, "backup", str(tmp_path / "copy.db")) == 0
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 3


@pytest.mark.skipif(not SEED.is_file(), reason="../shared/seed is not beside this clone")
def test_seed_page_imports_and_exports_every_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    assert cli("--database", db, "import", str(SEED)) == 0
    assert cli("--database", db, "search", "all of us strangers") == 0
    assert "▌ All of Us Strangers (2023)" in capsys.readouterr().out
    assert cli("--database", db, "export", "--format", "json") == 0
    [record] = [r for r in json.loads(capsys.readouterr().out) if r["year"] == 2023]
    assert record["tagline"] == "The ghosts we keep are the ones we need."
    assert record["cast"] == ["Andrew Scott", "Paul Mescal", "Carter John Grout"]
    assert record["score"] == 9.5 and record["verdict"] == "Masterpiece"
    expected = {
        "title", "year", "tagline", "directors", "cast", "runtime", "score", "verdict",
        "verdict_text", "body", "reviewer", "review_url", "poster_url", "genres", "aliases",
        "id", "scope", "created_by", "created_at", "updated_by", "updated_at",
    }  # fmt: skip
    assert expected <= set(record)


def test_the_example_page_the_readme_imports_reads_every_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    assert cli("--database", db, "import", str(EXAMPLE)) == 0
    assert cli("--database", db, "export", "--format", "json") == 0
    [record] = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert (record["title"], record["year"]) == ("The Ferryman's Almanac", 2024)
    assert record["tagline"] == "Every crossing is written down, and none of them is the same."
    assert record["directors"] == ["Ilse Varga"]
    assert record["cast"] == ["Tomas Okafor-Reid", "Lin Pereira", "Agnes Brodie"]
    assert (record["runtime"], record["score"], record["verdict"]) == (104, 8.0, "Recommended")
    assert record["verdict_text"].startswith("A quiet, well-observed drama")
    assert record["body"].startswith("For thirty years Aurel has run the last car ferry")
    assert "Keep Exploring" not in record["body"] and "Scene from" not in record["body"]


def test_database_may_also_follow_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = str(FIXTURES / "pages" / "full.txt")
    assert cli("import", page, "--database", str(tmp_path / "after.db")) == 0
    assert (tmp_path / "after.db").is_file()
    assert cli("stats", "--database", str(tmp_path / "after.db")) == 0
    assert "Reviews: 1 " in capsys.readouterr().out


def test_search_says_when_it_shows_only_the_closest_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    assert cli("--database", db, "import", str(FIXTURES / "reviews.json")) == 0
    capsys.readouterr()
    assert cli("--database", db, "search", "spirted away") == 0
    out = capsys.readouterr().out
    assert "Closest match for “spirted away”:" in out
    assert "▌ Spirited Away" in out
    assert cli("--database", db, "search", "spirited away") == 0
    assert "Closest match" not in capsys.readouterr().out


def test_stats_writes_the_chart_png_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    assert cli("--database", db, "import", str(FIXTURES / "reviews.csv")) == 0
    capsys.readouterr()
    chart = tmp_path / "stats.png"
    assert cli("--database", db, "stats", "--chart", str(chart)) == 0
    out = capsys.readouterr().out
    assert out.startswith("Reviews: ")
    assert f"Wrote the chart to {chart} (1200×1500 px PNG, {chart.stat().st_size:,} bytes)" in out
    with Image.open(chart) as image:
        assert (image.format, image.size) == ("PNG", (WIDTH_PX, HEIGHT_PX))


def test_stats_refuses_to_write_a_chart_over_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    assert cli("--database", db, "import", str(FIXTURES / "reviews.csv")) == 0
    assert cli("--database", db, "stats", "--chart", str(tmp_path)) == 2
    assert "is a directory; name the PNG file to write" in capsys.readouterr().err
