"""Read reviews from the files they arrive in (formats: :mod:`bot.formats`).

Parsing never touches the store: an importer turns a file into validated
:class:`~bot.models.ReviewDraft` records or raises :class:`ImportFailed` naming
every bad row, so the caller can write all of them or none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from bot.formats.csv_reader import LETTERBOXD_COLUMNS, csv_rows, letterboxd_rows
from bot.formats.json_reader import json_rows
from bot.formats.page_reader import page_rows
from bot.formats.rows import FileProblem, ParsedRow
from bot.member_errors import UserError
from bot.models import ReviewDraft
from bot.validation import ValidationError, elide, review_from_fields

FORMATS = ("json", "csv", "letterboxd", "page")
MAX_REPORTED_PROBLEMS = 20
MAX_PROBLEM_LENGTH = 300  # one problem's text; a hostile cell must not make a huge line


class ImportFailed(UserError, ValueError):
    """The file cannot be imported; ``problems`` lists each row/line and field at fault."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        shown = [elide(problem, MAX_PROBLEM_LENGTH) for problem in problems[:MAX_REPORTED_PROBLEMS]]
        more = len(problems) - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more else "")
        super().__init__(f"{elide(source)}: nothing imported: {text}")


_ROW_READERS: dict[str, Callable[[TextIO], Iterable[ParsedRow]]] = {
    "json": json_rows,
    "csv": csv_rows,
    "letterboxd": letterboxd_rows,
    "page": page_rows,
}


def detect_format(filename: str, text: str) -> str:
    suffix = Path(filename).suffix.casefold()
    if suffix == ".json":
        return "json"
    if suffix == ".csv":
        try:
            header = next(csv.reader(io.StringIO(text, newline="")), [])
        except csv.Error:
            return "csv"  # the CSV reader reports what is wrong, with its line
        return "letterboxd" if set(header) >= LETTERBOXD_COLUMNS else "csv"
    if suffix in {".txt", ".page", ".md", ""}:
        return "page"
    raise ImportFailed(
        filename, [f"unknown file type {suffix!r}; use .json, .csv or a review page (.txt)"]
    )


def iter_reviews(
    stream: TextIO, *, filename: str, fmt: str | None = None, scope: int | None = None
) -> Iterator[ReviewDraft]:
    """Each valid review in ``stream`` as it is read; at the end, :class:`ImportFailed`
    naming every bad row if there was one (no review is yielded after the first).

    An importer stages what this yields and applies it only once it has ended without
    raising, so a file is imported whole or not at all while never being held whole:
    neither its text nor its reviews.
    """
    try:
        fmt = fmt or detect_format(filename, _head(stream))
    except UnicodeDecodeError:
        raise ImportFailed(filename, ["the file is not UTF-8 text"]) from None
    if fmt not in FORMATS:
        raise ImportFailed(
            filename, [f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}"]
        )
    problems: list[str] = []
    first_seen: dict[str, str] = {}  # identity -> where it first appeared
    found = False
    try:
        for row in _ROW_READERS[fmt](stream):
            try:
                review = review_from_fields(row.fields, scope=scope, ignore_unknown=fmt != "json")
            except ValidationError as error:
                problems.extend(
                    f"{row.where_field(name)}, {name}: {message}"
                    for name, message in error.problems.items()
                )
                continue
            found = True
            earlier = first_seen.setdefault(review.identity, row.where)
            if earlier != row.where:
                # Which one should win is the person's call, not ours.
                problems.append(
                    f"{row.where}: the same review as {earlier} "
                    f"({elide(review.display_title)}); keep one of them"
                )
            if not problems:
                yield review
    except FileProblem as problem:
        raise ImportFailed(filename, [str(problem)]) from None
    except UnicodeDecodeError:
        raise ImportFailed(filename, ["the file is not UTF-8 text"]) from None
    if not found and not problems:
        problems.append("the file holds no reviews")
    if problems:
        raise ImportFailed(filename, problems)


def parse_reviews(
    text: str, *, filename: str, fmt: str | None = None, scope: int | None = None
) -> list[ReviewDraft]:
    """Parse and validate every review in ``text``; all of them or :class:`ImportFailed`."""
    text = text.removeprefix("\ufeff")  # a byte order mark from Excel or Notepad
    stream = io.StringIO(text, newline="")
    return list(iter_reviews(stream, filename=filename, fmt=fmt, scope=scope))


@contextmanager
def open_review_file(
    path: Path, *, fmt: str | None = None, scope: int | None = None
) -> Iterator[Iterator[ReviewDraft]]:
    """The file's reviews, read as they are consumed (see :func:`iter_reviews`)."""
    # newline="": the CSV reader sees quoted line breaks as written.
    with path.open(encoding="utf-8-sig", newline="") as stream:
        yield iter_reviews(stream, filename=path.name, fmt=fmt, scope=scope)


def read_review_file(
    path: Path, *, fmt: str | None = None, scope: int | None = None
) -> list[ReviewDraft]:
    with open_review_file(path, fmt=fmt, scope=scope) as reviews:
        return list(reviews)


def parse_upload(data: bytes, filename: str, scope: int | None) -> Iterator[ReviewDraft]:
    """An uploaded file's reviews, decoded and parsed only as they are consumed: by the
    import, in its worker thread, so the event loop never parses."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(filename, ["the file is not UTF-8 text"]) from None
    yield from iter_reviews(io.StringIO(text, newline=""), filename=filename, scope=scope)


HEAD_CHARS = 65_536  # enough for any header row a format is told by


def _head(stream: TextIO) -> str:
    """The start of ``stream``, which is then read again from where it was."""
    where = stream.tell()
    head = stream.read(HEAD_CHARS)
    stream.seek(where)
    return head
