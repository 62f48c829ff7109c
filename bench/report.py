"""Write a benchmark's table into its marked section of a docs page."""

from __future__ import annotations

import argparse
import asyncio
import platform
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path


def machine_line() -> str:
    import os

    return (
        f"_Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}._"
    )


def replace_section(page: Path, name: str, table: str) -> None:
    """Replace the text between ``<!-- bench:NAME:start -->`` and ``…:end -->`` in ``page``."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    block = f"{start}\n{machine_line()}\n\n{table}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text, encoding="utf-8")


def bench_main(
    description: str | None, section: str, run: Callable[[int], Awaitable[str]], default: int
) -> None:
    """The command line every benchmark shares: a repeat count and --write-docs."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeats", type=int, default=default, help="measurements per row")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    table = asyncio.run(run(args.repeats))
    print(table)
    if args.write_docs:
        replace_section(Path("docs/benchmarks.md"), section, table)
