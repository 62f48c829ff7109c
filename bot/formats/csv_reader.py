"""CSV: our own columns (with the names people use for them), or a Letterboxd export."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from bot.formats.rows import FileProblem, ParsedRow
from bot.formats.spreadsheet import unneutralise
from bot.validation import MAX_VERDICT_TEXT, canonical_field_name, elide

LETTERBOXD_COLUMNS = frozenset({"Name", "Year", "Letterboxd URI", "Rating"})
REQUIRED_COLUMNS = ("title", "year")


def _csv_records(
    stream: TextIO, check_header: Callable[[list[str]], None]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each non-blank row as (the line it starts on, header -> cell), read as it comes;
    the header is checked before any row.

    ``reader.line_num`` is where a record *ends*, so a row's start is read just
    before it: a quoted cell may span several lines.
    """
    # strict: a quote left open must be reported where it opened, not swallow the file.
    reader = csv.reader(stream, strict=True)
    start = 1
    try:
        header = next(reader, [])
        if not header:
            raise FileProblem("the CSV file has no header row")
        check_header(header)
        while True:
            start = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                return
            if len(cells) > len(header):
                raise FileProblem(f"line {start}: more cells than header columns")
            if any(cell.strip() for cell in cells):
                cells += [""] * (len(header) - len(cells))
                yield start, dict(zip(header, cells, strict=True))
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise FileProblem(
                f"line {start}: a quote opened on this line is never closed"
            ) from None
        raise FileProblem(f"line {reader.line_num}: {error}") from None


def _require_columns(
    header: list[str], required: Iterable[str], names: str, *, canonical: bool
) -> None:
    """Refuse a header without the ``required`` columns, naming them (before any row)."""
    present = {canonical_field_name(column) if canonical else column for column in header}
    missing = [column for column in required if column not in present]
    if missing:
        raise FileProblem(
            f"line 1: the header lacks the {names} {', '.join(missing)} "
            f"(it has {elide(', '.join(header) or 'nothing', 120)})"
        )


def csv_rows(stream: TextIO) -> Iterator[ParsedRow]:
    def check(header: list[str]) -> None:
        _require_columns(header, REQUIRED_COLUMNS, "column(s)", canonical=True)

    for line, record in _csv_records(stream, check):
        yield ParsedRow(f"line {line}", {name: unneutralise(cell) for name, cell in record.items()})


def letterboxd_rows(stream: TextIO) -> Iterator[ParsedRow]:
    def check(header: list[str]) -> None:
        _require_columns(
            header, sorted(LETTERBOXD_COLUMNS), "Letterboxd column(s)", canonical=False
        )

    for line, record in _csv_records(stream, check):
        review_text = record.get("Review", "").strip()
        fields: dict[str, Any] = {
            "title": record.get("Name", ""),
            "year": record.get("Year", ""),
            "score": _letterboxd_score(record.get("Rating", ""), line),
            "review_url": record.get("Letterboxd URI", ""),
            "body": review_text,
            "verdict_text": excerpt(review_text.split("\n\n")[0], MAX_VERDICT_TEXT),
        }
        yield ParsedRow(f"line {line}", fields)


def _letterboxd_score(rating: str, line: int) -> str | float:
    """Letterboxd's 0.5–5 stars become a 1–10 score; text is passed on to be rejected."""
    try:
        stars = float(rating)
    except ValueError:
        return rating
    if not 0.5 <= stars <= 5:
        raise FileProblem(f"line {line}, Rating: must be between 0.5 and 5 stars, got {rating!r}")
    return stars * 2


def excerpt(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"
