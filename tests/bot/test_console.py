"""`reviewbot console --script`: the real bot through the loopback Discord, in a terminal."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from rich.console import Console

from bot.charts import HEIGHT_PX, WIDTH_PX
from bot.console import ConsoleSession, history_path
from standin import default_stand_in
from standin.defaults import GUILD_ID, MEMBER_ID, MODERATOR_ID
from tests.conftest import Cli

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


# What a member types in these tests changes nothing the others see, so they share one
# console process on a fresh catalog; each reads the part of its output from its own
# first line on (its lines' echoes and answers). Fewer than LOOKUP_RATE lookups in all.
SHARED_SCRIPTS = {
    "typo": ["/review all of us strangrs"],
    "unknown": ["/nonsense", "!review amelie"],
    "find app": [
        '/app "Find review" has anyone seen all of us strangers yet?',
        "/app Find good morning",
    ],
    "deferred find": ['/app "Find review" has anyone seen all of us strangers yet?', "2"],
    "disabled button": ["/top", "2"],  # [2] is the page counter, always disabled
    "plain lines": ["hello there", "@bot", "!nonsense"],
}


@pytest.fixture(scope="module")
def shared_console(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each of :data:`SHARED_SCRIPTS`' output, run one after another in one console."""
    lines = [line for script in SHARED_SCRIPTS.values() for line in script]
    printed = run_script(tmp_path_factory.mktemp("shared-console"), lines).splitlines()
    echoes = [n for n, line in enumerate(printed) if line.startswith("> ")]
    assert [printed[n][2:] for n in echoes] == lines, printed  # each line echoed, in order
    assert not any(line.startswith("Slow down") for line in printed), printed
    parts: dict[str, str] = {}
    first = 0
    for name, script in SHARED_SCRIPTS.items():
        after = first + len(script)
        end = echoes[after] if after < len(echoes) else len(printed)
        parts[name] = "".join(f"{line}\n" for line in printed[echoes[first] : end])
        first = after
    return parts


def test_console_looks_up_the_seed_film_with_a_typo(shared_console: dict[str, str]) -> None:
    out = shared_console["typo"]
    assert "> /review all of us strangrs" in out
    assert "▌ All of Us Strangers (2023)" in out
    assert "Director: Andrew Haigh" in out
    assert "Runtime: 1h 45m" in out
    assert "[1] Read full review" in out


def test_console_select_menu_choice_and_button_press(tmp_path: Path, cli: Cli) -> None:
    run_script(tmp_path, ["/review heat"])  # the first start loads the sample reviews
    extra = tmp_path / "heat.json"
    extra.write_text(json.dumps([HEAT_1986]), encoding="utf-8")
    imported = cli("--database", str(tmp_path / "console.db"), "import", str(extra))
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


def test_console_reports_unknown_commands_and_goes_on(shared_console: dict[str, str]) -> None:
    out = shared_console["unknown"]
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


def test_console_uses_the_find_review_app_on_a_typed_message(
    shared_console: dict[str, str],
) -> None:
    out = shared_console["find app"]
    found, nothing = out.split("> /app Find good morning", 1)
    assert "(only you can see this)" in found
    assert "▌ All of Us Strangers (2023)" in found
    assert "[2] Post in channel" in found
    assert "'Find' (type 3) was never synced" in nothing


def test_console_shows_a_deferred_find_review_card_once_and_two_posts_it(
    shared_console: dict[str, str],
) -> None:
    """Find review defers privately, then its follow-up becomes the deferred message."""
    out = shared_console["deferred find"]
    found, posted = out.split("> 2", 1)
    assert found.count("▌ All of Us Strangers (2023)") == 1
    assert found.count("(only you can see this)") == 1
    assert "[2] Post in channel" in found
    assert "[3]" not in found
    assert "member shared this review." in posted
    assert "▌ All of Us Strangers (2023)" in posted
    assert "(only you can see this)" not in posted


def test_console_prints_a_disabled_button_press_as_one_line(
    shared_console: dict[str, str],
) -> None:
    out = shared_console["disabled button"]  # [2] is the page counter, always disabled
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
    tmp_path: Path, cli: Cli
) -> None:
    script = tmp_path / "session.txt"
    script.write_text("/review all of us strangers\n", encoding="utf-8")
    database = tmp_path / "console.db"

    first = reviewbot(database, "console", "--script", str(script))
    assert "▌ All of Us Strangers (2023)" in first.stdout
    assert "loaded the starter catalog, 15 sample review(s)" in first.stderr

    removed = cli("--database", str(database), "samples", "remove")
    assert (
        removed.stdout.strip() == "Removed 15 sample review(s); each removal is in the audit log."
    )

    again = reviewbot(database, "console", "--script", str(script))
    assert "No review matches" in again.stdout  # and the samples are not loaded again
    assert "starter catalog" not in again.stderr

    none_left = cli("--database", str(database), "samples", "remove")
    assert none_left.stdout == "No sample reviews are left to remove; nothing was changed.\n"


def test_console_on_a_database_with_reviews_adds_no_samples(tmp_path: Path, cli: Cli) -> None:
    database = tmp_path / "console.db"
    extra = tmp_path / "heat.json"
    extra.write_text(json.dumps([HEAT_1986]), encoding="utf-8")
    assert cli("--database", str(database), "import", str(extra)).returncode == 0

    done = reviewbot(database, "console", stdin="/review heat\n")  # no chart to draw

    assert "▌ Heat (1986)" in done.stdout
    assert "starter catalog" not in done.stderr
    stats = cli("--database", str(database), "stats")
    assert stats.stdout.startswith("Reviews: 1 ")


# -- what people type (issue 22) ---------------------------------------------------------

CONSOLE_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "console"
PLAIN_LINE_ANSWER = (
    "“hello there” is a plain message, which the bot does not answer; to look it up, "
    "type /review hello there or @bot hello there; help lists the rest."
)


def answers(out: str) -> list[tuple[str, list[str]]]:
    """Each echoed line (``> …``) with the lines printed after it, blank ones left out."""
    blocks: list[tuple[str, list[str]]] = []
    for line in out.splitlines():
        if line.startswith("> "):
            blocks.append((line[2:], []))
        elif line.strip() and blocks:
            blocks[-1][1].append(line)
    return blocks


def test_channel_and_role_options_take_what_a_member_types(tmp_path: Path) -> None:
    typed = [
        "/config announce channel: #announcements",
        "/config modrole role: @moderator",
        "/config modrole role: <@&4001>",
        "/config announce channel: <#2001>",
        "/config announce channel:2001",
        "/config modrole role: @Moderators",
        "/config announce channel: #nowhere",
    ]
    blocks = dict(answers(run_script(tmp_path, typed, "--as-mod")))

    assert "New reviews will be posted in #announcements;" in "\n".join(blocks[typed[0]])
    for role in typed[1:3]:
        assert "Members with @Moderator can now use /catalog." in "\n".join(blocks[role])
    for channel in typed[3:5]:
        assert "New reviews will be posted in #reviews;" in "\n".join(blocks[channel])
    assert blocks[typed[5]] == [
        "! no role '@Moderators' in Film Club; there are @everyone, @reviewbot, @Moderator"
    ]
    assert blocks[typed[6]] == [
        "! no channel '#nowhere' in Film Club; there are #reviews, #announcements"
    ]


def test_a_published_review_is_printed_under_the_announcement_channel(tmp_path: Path) -> None:
    lines = [
        "/config announce channel: #announcements",
        "/catalog add title:Console Test Film year:2020 score:7.5 director:Jane Roe",
        "A verdict typed into the form.",
        "",
        "1",
    ]
    blocks = answers(run_script(tmp_path, lines, "--as-mod"))

    published, after = blocks[-1]
    assert published == "1"
    assert "Published Console Test Film (2020) (#16)." in after
    label = after.index("In #announcements:")
    assert after[label + 1] == "New in the catalog:"
    assert after[label + 2] == "▌ Console Test Film (2020)"


def test_a_plain_line_and_a_bare_mention_are_answered_in_one_line(
    shared_console: dict[str, str],
) -> None:
    blocks = answers(shared_console["plain lines"])

    assert blocks == [
        ("hello there", [PLAIN_LINE_ANSWER]),
        (
            "@bot",
            [
                "Mention me with a film's title, like `@reviewbot all of us strangers`, or use "
                "`/review`; `/help` lists everything I do."
            ],
        ),
        (
            "!nonsense",
            [
                "! no command !nonsense; there are !discover, !help, !random, !review, !similar, "
                "!stats, !top, !wanted"
            ],
        ),
    ]


async def test_a_plain_line_is_answered_by_the_console_without_waiting_for_the_bot() -> None:
    """The answer comes from the console itself: nothing is posted, so nothing is
    waited for (a post would wait up to the stand-in's 5 s for a reply that never comes)."""
    stand_in = default_stand_in()  # never started: there is no bot to wait for
    printed = io.StringIO()
    session = ConsoleSession(stand_in, MEMBER_ID, Console(file=printed, width=400))

    async def no_form(prompt: str) -> str:
        raise AssertionError(f"a plain line opened a form field {prompt!r}")

    await session.handle("hello there", no_form)

    assert printed.getvalue().splitlines() == [PLAIN_LINE_ANSWER]
    assert stand_in.messages == {}


def test_what_the_bot_posts_elsewhere_is_printed_under_its_channel_dms_included() -> None:
    stand_in = default_stand_in()  # never started: the messages are put in its world
    printed = io.StringIO()
    session = ConsoleSession(stand_in, MEMBER_ID, Console(file=printed, width=400))
    bot = stand_in.state.bot_user
    member, moderator = stand_in.state.user(MEMBER_ID), stand_in.state.user(MODERATOR_ID)
    elsewhere = stand_in.add_channel(GUILD_ID, 2009, "announcements")
    told = {"content": f"{member.mention} {moderator.mention}: you asked for this one."}
    for channel in (elsewhere, stand_in.state.dm_channel_for(member)):
        stand_in.state.create_message(channel_id=channel.id, author=bot, body=told, files=[])

    session.show_posted()

    assert [line for line in printed.getvalue().splitlines() if line] == [
        "In #announcements:",
        "@member @moderator: you asked for this one.",
        "In a DM to member:",
        "@member @moderator: you asked for this one.",
    ]


def test_no_line_of_a_hostile_script_ends_the_session_or_prints_a_traceback(
    tmp_path: Path,
) -> None:
    script = CONSOLE_FIXTURES / "hostile.txt"
    lines = script.read_text(encoding="utf-8").splitlines()
    typed = [line for line in lines[: lines.index("quit")] if line.strip()[:1] not in ("", "#")]
    assert len(typed) == 50

    done = reviewbot(tmp_path / "console.db", "console", "--as-mod", "--script", str(script))

    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    assert all(line.startswith("INFO ") for line in done.stderr.splitlines()), done.stderr
    blocks = answers(done.stdout)
    assert len(blocks) == len(typed)  # every line was read, and nothing after `quit`
    for echoed, answer in blocks:
        assert answer, f"no answer to {echoed!r}"
        if answer[0].startswith(("!", "“")):  # the console's own answer: one line
            assert len(answer) == 1, (echoed, answer)
    assert blocks[-1][0] == "/stats" and "▌ Catalog statistics" in blocks[-1][1]


@pytest.mark.parametrize("moment", ["start-up", "script"])
def test_ctrl_c_ends_the_console_quietly(tmp_path: Path, moment: str) -> None:
    """Ctrl-C while the bot starts (it has just loaded the samples, before it syncs) or
    while a script runs: exit 130, no traceback, and no hang (the process ends only once
    every database thread has closed)."""
    script = tmp_path / "long.txt"
    script.write_text("/review heat\n/top\n/stats\n" * 200, encoding="utf-8")
    command = [sys.executable, "-m", "bot", "--database", str(tmp_path / "c.db")]
    process = subprocess.Popen(
        [*command, "console", "--script", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    read = Drain(process.stdout), Drain(process.stderr)
    watched, mark = (read[1], "starter catalog") if moment == "start-up" else (read[0], "> /stats")
    try:
        assert watched.wait_for(mark), "".join(read[1].lines)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    finally:
        process.kill()
    out, err = ("".join(drained.finish()) for drained in read)

    assert process.returncode == 130, err[-2000:]
    assert "Traceback" not in out + err
    assert all(line.startswith("INFO ") for line in err.splitlines()), err[-2000:]


class Drain:
    """Reads a child's stream on a thread, so waiting for one line never blocks the other."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self._seen = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()

    def wait_for(self, text: str, timeout: float = 120) -> bool:
        with self._seen:
            return self._seen.wait_for(lambda: any(text in line for line in self.lines), timeout)

    def finish(self) -> list[str]:
        self._thread.join(timeout=60)
        return self.lines


def test_the_consoles_stats_agree_with_the_cli_for_its_server(tmp_path: Path, cli: Cli) -> None:
    """The console's member is in server 1001: /stats there counts the global catalog and
    the server's own reviews, as `reviewbot stats` reports for that server."""
    database = tmp_path / "console.db"
    for scope in ([], ["--guild", "1001"], ["--guild", "1002"]):
        films = [{"title": f"Film {len(scope)}{n}", "year": 2001, "score": 8.0} for n in range(3)]
        (tmp_path / "films.json").write_text(json.dumps(films), encoding="utf-8")
        imported = cli("--database", str(database), "import", *scope, str(tmp_path / "films.json"))
        assert imported.returncode == 0, imported.stderr

    console = reviewbot(database, "console", stdin="/stats\n")
    stats = cli("--database", str(database), "stats")

    assert "▌ Reviews: 6" in console.stdout.splitlines()
    assert (
        "Reviews: 6   average score: 8   (server 1001 as /stats shows it: its own 3 and global)"
        in (stats.stdout.splitlines())
    )
