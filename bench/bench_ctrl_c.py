"""Ctrl-C at spread-out moments of `reviewbot console --script`: how many runs end cleanly.

Each run starts the console on a new database with a 9,000-line script and sends SIGINT
after a delay spread evenly over ``--spread`` seconds (start-up, then the script). A run
is clean when it ends within 30 s (no hang, so no database thread was left open), prints
no traceback, and exits 130, or was killed by the signal before Python had started. A
run that finished before the signal came is reported and not counted.

Run: .venv/bin/python -m bench.bench_ctrl_c [--tries 20] [--spread 5] [--command "…"]
(``--command`` runs another checkout, e.g. ``"python -m bot"`` with its PYTHONPATH.)
"""

from __future__ import annotations

import argparse
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FINISHED_FIRST = "finished before the signal"
SCRIPT = "/review heat\n/top\n/stats\n" * 3000


def one_run(command: list[str], delay: float, folder: Path) -> str | None:
    """None when the run ended cleanly, else what went wrong (or that it ended first)."""
    script = folder / "long.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    process = subprocess.Popen(
        [*command, "--database", str(folder / "c.db"), "console", "--script", str(script)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    if process.poll() is not None:
        return FINISHED_FIRST
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return "hung"
    if "Traceback" in stderr:
        return f"exit {process.returncode}, traceback: {stderr.strip().splitlines()[-1]}"
    if process.returncode not in (130, -signal.SIGINT):
        return f"exit {process.returncode}"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--spread", type=float, default=5.0, help="seconds the delays span")
    parser.add_argument("--command", default=f"{sys.executable} -m bot")
    args = parser.parse_args()
    command = shlex.split(args.command)
    clean = counted = 0
    for index in range(args.tries):
        delay = args.spread * index / args.tries
        with tempfile.TemporaryDirectory() as folder:
            problem = one_run(command, delay, Path(folder))
        counted += problem != FINISHED_FIRST
        clean += problem is None
        if problem is not None:
            print(f"after {delay:.2f} s: {problem}")
    print(f"{clean} of {counted} interrupted runs ended cleanly")


if __name__ == "__main__":
    main()
