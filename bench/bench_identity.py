"""Identity benchmark: every ggplot2movies film imported as it is, each its own row, and
an unchanged re-import that changes nothing.

The 58,788 films are written to a CSV exactly as the data set has them (title, year,
runtime, rating, genre flags) and imported twice with the real CLI.

Run: .venv/bin/python -m bench.bench_identity [--write-docs]
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.movies import GENRE_COLUMNS, movie_rows
from bench.report import bench_main


def write_csv(path: Path) -> int:
    rows = movie_rows()
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["title", "year", "runtime", "score", "genres"])
        for row in rows:
            genres = "; ".join(column for column in GENRE_COLUMNS if row[column])
            writer.writerow([row["title"], row["year"], row["length"], row["rating"], genres])
    return len(rows)


def cli_import(database: Path, source: Path) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--database", str(database), "import", str(source)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1], time.perf_counter() - started


def counts(database: Path) -> tuple[int, int]:
    with sqlite3.connect(database) as db:
        reviews = db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        audit = db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    return int(reviews), int(audit)


async def run(repeats: int) -> str:
    del repeats  # one import and one re-import are the measurement
    with tempfile.TemporaryDirectory() as folder:
        source, database = Path(folder) / "movies.csv", Path(folder) / "movies.db"
        films = write_csv(source)
        first, first_seconds = cli_import(database, source)
        rows, audit_first = counts(database)
        second, second_seconds = cli_import(database, source)
        rows_again, audit_second = counts(database)
    return "\n".join(
        [
            "| Step | CLI report | Rows | Audit entries | Time |",
            "|---|---|---|---|---|",
            f"| ggplot2movies as written to CSV | {films:,} films | | | |",
            f"| `reviewbot import movies.csv` into a new database | {first} "
            f"| {rows:,} | {audit_first:,} | {first_seconds:.0f} s |",
            f"| the same command again | {second} | {rows_again:,} | {audit_second:,} "
            f"| {second_seconds:.0f} s |",
        ]
    )


if __name__ == "__main__":
    bench_main(__doc__, "identity", run, default=1)
