"""Write a benchmark's table into its marked section of a docs page."""

from __future__ import annotations

import platform
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
