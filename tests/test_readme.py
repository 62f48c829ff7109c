"""The README's commands, run as a new user runs them: in a fresh clone of this repository.

The clone is installed offline the way the README's set-up installs it (an editable
install into ``.venv``; its dependencies are borrowed from the running environment, so
nothing is downloaded). Then every shell block that is safe to run offline runs there, in
order: each command must exit 0, and where the README shows what a command prints, it
must print exactly that (dates, which are the day the review was stored, aside, written
either way: 2026-11-28, or a card's 28 November 2026). At the end the clone's ``git
status`` must be clean. A new shell block must be run here or be named in ``NOT_RUN``
with the reason.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import discord

from bot.cli import NO_TOKEN_MESSAGE
from bot.config import VARIABLES

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 300  # seconds for each step; a console start takes a few under load
# Blocks not run here, by what marks them, and why.
NOT_RUN = {
    "pip install": "installs from PyPI; the clone is installed offline below instead",
    "-m pytest": "runs this very suite",
}
# A date as the catalog stores it, or as a card's footer shows its timestamp ("7 December 2026").
DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2} (?:January|February|March|April|May|June|July|August"
    r"|September|October|November|December) \d{4}\b"
)
DISCORD_TIMESTAMP = re.compile(r"<t:\d+(?::[tTdDfFR])?>")


@dataclass(frozen=True)
class Step:
    command: str
    shown: list[str]  # what the README shows it printing; [] when it shows nothing


def shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL)


def steps(block: str) -> list[Step]:
    """A transcript (``$ command`` then what it prints) or one command per line."""
    lines = block.splitlines()
    if not any(line.startswith("$ ") for line in lines):
        return [Step(line, []) for line in lines if line.strip()]
    found: list[Step] = []
    for line in lines:
        if line.startswith("$ "):
            found.append(Step(line[2:], []))
        else:
            found[-1].shown.append(line)
    return found


def comparable(lines: list[str]) -> list[str]:
    kept = [DISCORD_TIMESTAMP.sub("<t:…>", DATE.sub("YYYY-MM-DD", line.rstrip())) for line in lines]
    while kept and not kept[-1]:
        kept.pop()
    return kept


def run(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def user_environment() -> dict[str, str]:
    """A shell with none of the bot's settings and nothing pointing at this checkout."""
    return {k: v for k, v in os.environ.items() if k not in {*VARIABLES, "PYTHONPATH"}}


def install_offline(clone: Path, env: dict[str, str]) -> None:
    """What ``python3 -m venv .venv && .venv/bin/pip install -e .`` makes, without PyPI."""
    venv = clone / ".venv"
    done = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=clone, env=env)
    assert done.returncode == 0, done.stderr
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    borrowed = Path(discord.__file__).resolve().parent.parent
    (site / "borrowed-dependencies.pth").write_text(f"{borrowed}\n", encoding="utf-8")
    done = run(
        sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q",
        "--no-deps", "--no-build-isolation", "--no-index", "-e", clone, cwd=clone, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    where = run(
        venv / "bin" / "python", "-c", "import bot; print(bot.__file__)", cwd=clone, env=env
    )
    assert Path(where.stdout.strip()).is_relative_to(clone), where.stdout + where.stderr


def test_every_command_of_the_readme_runs_in_a_fresh_clone(tmp_path: Path) -> None:
    clone, scratch = tmp_path / "clone", tmp_path / "scratch"
    scratch.mkdir()
    env = user_environment()
    cloned = run("git", "clone", "--quiet", REPO, clone, cwd=tmp_path, env=env)
    assert cloned.returncode == 0, cloned.stderr
    install_offline(clone, env)
    blocks = shell_blocks((clone / "README.md").read_text(encoding="utf-8"))

    no_token = run(clone / ".venv" / "bin" / "reviewbot", cwd=clone, env=env)
    assert (no_token.returncode, no_token.stderr) == (2, f"reviewbot: {NO_TOKEN_MESSAGE}\n")

    ran = 0
    for block in blocks:
        assert "../" not in block, f"a README command reaches outside the repository:\n{block}"
        if any(mark in block for mark in NOT_RUN):
            continue
        for step in steps(block):
            # /tmp/x.db in the README: this test's own scratch folder instead.
            command = step.command.replace("/tmp/", f"{scratch}/")
            done = run("bash", "-c", command, cwd=clone, env=env)
            assert done.returncode == 0, f"{step.command}\n{done.stderr[-3000:]}"
            if step.shown:
                printed = done.stderr.splitlines() + done.stdout.splitlines()
                shown = [line.replace("/tmp/", f"{scratch}/") for line in step.shown]
                assert comparable(printed) == comparable(shown), step.command
            ran += 1

    assert ran >= 12  # the quick start, an own review, Find review and the CLI examples
    status = run("git", "status", "--porcelain", "--untracked-files=all", cwd=clone, env=env)
    assert (status.returncode, status.stdout) == (0, "")
