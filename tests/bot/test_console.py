"""`reviewbot console --script`: the real bot through the loopback Discord, in a terminal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image

from bot.charts import HEIGHT_PX, WIDTH_PX
from bot.console import history_path

HEAT_1986 = {
    "title": "Heat",
    "year": 1986,
    "directors": ["Dick Richards"],
    "cast": ["Burt Reynolds"],
    "runtime": 101,
    "score": 4.5,
    "verdict": "Mixed",
    "verdict_text": "Written for the tests: the other Heat.",
}


def reviewbot(
    database: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--database", str(database), *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def run_script(tmp_path: Path, lines: list[str], *extra: str) -> str:
    script = tmp_path / "session.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = reviewbot(tmp_path / "console.db", "console", "--script", str(script), *extra)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_console_looks_up_the_seed_film_with_a_typo(tmp_path: Path) -> None:
    out = run_script(tmp_path, ["/review all of us strangrs"])
    assert "> /review all of us strangrs" in out
    assert "▌ All of Us Strangers (2023)" in out
    assert "Director: Andrew Haigh" in out
    assert "Runtime: 1h 45m" in out
    assert "[1] Read full review" in out


def test_console_select_menu_choice_and_button_press(tmp_path: Path) -> None:
    run_script(tmp_path, ["/stats"])  # the first start loads the sample reviews
    extra = tmp_path / "heat.json"
    extra.write_text(json.dumps([HEAT_1986]), encoding="utf-8")
    imported = reviewbot(tmp_path / "console.db", "import", str(extra))
    assert imported.returncode == 0, imported.stderr
    out = run_script(tmp_path, ["/review heat", "3", "1"])
    first, after_choice = out.split("> 3", 1)
    assert "Did you mean…" in first
    shown_first = "Heat (1995)" if "▌ Heat (1995)" in first else "Heat (1986)"
    other = "Heat (1986)" if shown_first == "Heat (1995)" else "Heat (1995)"
    picked, full_review = after_choice.split("> 1", 1)
    assert f"▌ {other}" in picked
    assert "(only you can see this)" in full_review
    assert f"{other} — full review" in full_review


def test_console_reads_piped_lines_when_stdin_is_not_a_terminal(tmp_path: Path) -> None:
    done = reviewbot(tmp_path / "console.db", "console", stdin="/stats\n")
    assert done.returncode == 0, done.stderr
    assert "Catalog statistics" in done.stdout


def test_console_reports_unknown_commands_and_goes_on(tmp_path: Path) -> None:
    out = run_script(tmp_path, ["/nonsense", "!review amelie"])
    assert "! no command /nonsense" in out
    assert "▌ Amélie (2001)" in out


def test_console_as_moderator_can_add_a_review_through_the_form(tmp_path: Path) -> None:
    lines = [
        "/catalog add title:Console Test Film year:2020 score:7.5 director:Jane Roe",
        "A verdict typed into the form.",
        "",
        "1",
        "/review console test flim",
    ]
    out = run_script(tmp_path, lines, "--as-mod")
    assert "Form: The verdict" in out
    assert "Preview: this is how members will see it." in out
    assert "Published Console Test Film (2020)" in out
    assert out.rstrip().count("▌ Console Test Film (2020)") >= 2


def test_console_uses_the_find_review_app_on_a_typed_message(tmp_path: Path) -> None:
    out = run_script(
        tmp_path,
        ['/app "Find review" has anyone seen all of us strangers yet?', "/app Find good morning"],
    )
    found, nothing = out.split("> /app Find good morning", 1)
    assert "(only you can see this)" in found
    assert "▌ All of Us Strangers (2023)" in found
    assert "[2] Post in channel" in found
    assert "'Find' (type 3) was never synced" in nothing


def test_console_shows_a_deferred_find_review_card_once_and_two_posts_it(
    tmp_path: Path,
) -> None:
    """Find review defers privately, then its follow-up becomes the deferred message."""
    out = run_script(tmp_path, ['/app "Find review" has anyone seen all of us strangers yet?', "2"])
    found, posted = out.split("> 2", 1)
    assert found.count("▌ All of Us Strangers (2023)") == 1
    assert found.count("(only you can see this)") == 1
    assert "[2] Post in channel" in found
    assert "[3]" not in found
    assert "member shared this review." in posted
    assert "▌ All of Us Strangers (2023)" in posted
    assert "(only you can see this)" not in posted


def test_console_prints_a_disabled_button_press_as_one_line(tmp_path: Path) -> None:
    out = run_script(tmp_path, ["/top", "2"])  # [2] is the page counter, always disabled
    after = out.split("> 2", 1)[1]
    assert after.strip() == "That button is disabled."


def test_console_shows_and_saves_the_files_the_bot_sends(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    out = run_script(tmp_path, ["/catalog export format:csv"], "--as-mod", "--save-dir", str(saved))
    assert "📎 reviews-1001.csv (" in out
    assert f"saved {saved / 'reviews-1001.csv'}" in out
    assert (saved / "reviews-1001.csv").read_text(encoding="utf-8").startswith("title,")


def test_console_saves_each_stats_chart_under_its_own_name_with_its_size(
    tmp_path: Path,
) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    out = run_script(tmp_path, ["/stats", "/stats genre:Drama"], "--save-dir", str(saved))
    first, second = saved / "catalog-stats.png", saved / "catalog-stats-2.png"
    for path in (first, second):
        size = path.stat().st_size
        assert f"saved {path} ({size:,} bytes)" in out
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == (WIDTH_PX, HEIGHT_PX)
    assert out.count("📎 catalog-stats.png (") == 2
    assert first.read_bytes() != second.read_bytes()  # the whole catalog, then the dramas


def test_console_history_is_kept_outside_the_repository(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert history_path() == tmp_path / "state" / "reviewbot" / "console_history"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert history_path().is_relative_to(Path.home())
    assert not history_path().is_relative_to(Path(__file__).resolve().parents[2])


def test_console_on_an_empty_database_loads_the_samples_says_so_and_they_can_be_removed(
    tmp_path: Path,
) -> None:
    script = tmp_path / "session.txt"
    script.write_text("/review all of us strangers\n", encoding="utf-8")
    database = tmp_path / "console.db"

    first = reviewbot(database, "console", "--script", str(script))
    assert "▌ All of Us Strangers (2023)" in first.stdout
    assert "loaded the starter catalog, 15 sample review(s)" in first.stderr

    removed = reviewbot(database, "samples", "remove")
    assert (
        removed.stdout.strip() == "Removed 15 sample review(s); each removal is in the audit log."
    )

    again = reviewbot(database, "console", "--script", str(script))
    assert "No review matches" in again.stdout  # and the samples are not loaded again
    assert "starter catalog" not in again.stderr


def test_console_on_a_database_with_reviews_adds_no_samples(tmp_path: Path) -> None:
    database = tmp_path / "console.db"
    extra = tmp_path / "heat.json"
    extra.write_text(json.dumps([HEAT_1986]), encoding="utf-8")
    assert reviewbot(database, "import", str(extra)).returncode == 0

    done = reviewbot(database, "console", stdin="/stats\n")

    assert "starter catalog" not in done.stderr
    stats = reviewbot(database, "stats")
    assert stats.stdout.startswith("Reviews: 1 ")
