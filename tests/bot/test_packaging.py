"""The package as a user installs it: a wheel, not this checkout.

Built offline from a copy of the sources, installed into a fresh virtual
environment (its dependencies are borrowed from the running one, so nothing is
downloaded), and started from a directory far from this repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import discord

from bot.config import VARIABLES

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 180  # seconds for each step; a build and a console start take a few


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("bot", "cogs", "standin"):
        shutil.copytree(REPO / name, source / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "-w", wheels, source, cwd=tmp_path,
    )  # fmt: skip
    [wheel] = wheels.glob("reviewbot-*.whl")
    return wheel


def fresh_environment(tmp_path: Path) -> Path:
    """A venv whose only extra path is where this interpreter's dependencies live."""
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    dependencies = Path(discord.__file__).resolve().parent.parent
    (site / "borrowed-dependencies.pth").write_text(f"{dependencies}\n", encoding="utf-8")
    return venv


def test_the_installed_wheel_starts_the_console_with_the_starter_catalog(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    venv = fresh_environment(tmp_path)
    run(
        sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q",
        "--no-deps", "--no-index", wheel, cwd=tmp_path,
    )  # fmt: skip
    home = tmp_path / "elsewhere"
    home.mkdir()
    (home / "session.txt").write_text("/review all of us strangrs\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {*VARIABLES, "PYTHONPATH"}}

    out = run(venv / "bin" / "reviewbot", "console", "--script", "session.txt", cwd=home, env=env)

    assert "▌ All of Us Strangers (2023)" in out
    assert "loaded the starter catalog, 15 sample review(s)" in out
    show_path = "import bot.catalog as c; print(c.STARTER_CATALOG)"
    where = run(venv / "bin" / "python", "-c", show_path, cwd=home, env=env)
    assert str(venv) in where and str(REPO) not in where  # the wheel's copy, not this checkout's
    assert (home / "data" / "reviews.db").is_file()
