"""Read reviews from the formats they arrive in, and write them back out.

Parsing never touches the store: an importer turns a file into validated
:class:`~bot.models.Review` records or raises :class:`ImportFailed` naming
every bad row, so the caller can write all of them or none.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.member_errors import UserError
from bot.models import (
    CONTENT_FIELDS,
    LIST_FIELDS,
    MAX_VERDICT_TEXT,
    Review,
    ValidationError,
    canonical_field_name,
    elide,
    review_from_fields,
)

FORMATS = ("json", "csv", "letterboxd", "page")
MAX_REPORTED_PROBLEMS = 20
MAX_PROBLEM_LENGTH = 300  # one problem's text; a hostile cell must not make a huge line
LETTERBOXD_COLUMNS = frozenset({"Name", "Year", "Letterboxd URI", "Rating"})
REQUIRED_COLUMNS = ("title", "year")
# A spreadsheet runs a cell that starts with one of these as a formula
# ("=cmd|' /C calc'!A0", "+HYPERLINK(…)"); OWASP's CSV-injection advice.
FORMULA_START = "=+-@\t\r"
_NEUTRALISED = re.compile(f"^'*[{re.escape(FORMULA_START)}]")


class ImportFailed(UserError, ValueError):
    """The file cannot be imported; ``problems`` lists each row/line and field at fault."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        shown = [elide(problem, MAX_PROBLEM_LENGTH) for problem in problems[:MAX_REPORTED_PROBLEMS]]
        more = len(problems) - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more else "")
        super().__init__(f"{elide(source)}: nothing imported: {text}")


@dataclass(frozen=True, slots=True)
class ParsedRow:
    where: str  # "row 3", "line 12": how a person finds it in the file
    fields: dict[str, Any]
    # Where single fields sit when that is not where the row starts (review pages).
    field_lines: dict[str, int] = field(default_factory=dict)

    def where_field(self, name: str) -> str:
        line = self.field_lines.get(name)
        return self.where if line is None else f"{self.where}, line {line}"


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
) -> Iterator[Review]:
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
    except _FileProblem as problem:
        raise ImportFailed(filename, [str(problem)]) from None
    except UnicodeDecodeError:
        raise ImportFailed(filename, ["the file is not UTF-8 text"]) from None
    if not found and not problems:
        problems.append("the file holds no reviews")
    if problems:
        raise ImportFailed(filename, problems)


def parse_reviews(
    text: str, *, filename: str, fmt: str | None = None, scope: int | None = None
) -> list[Review]:
    """Parse and validate every review in ``text``; all of them or :class:`ImportFailed`."""
    text = text.removeprefix("\ufeff")  # a byte order mark from Excel or Notepad
    stream = io.StringIO(text, newline="")
    return list(iter_reviews(stream, filename=filename, fmt=fmt, scope=scope))


@contextmanager
def open_review_file(
    path: Path, *, fmt: str | None = None, scope: int | None = None
) -> Iterator[Iterator[Review]]:
    """The file's reviews, read as they are consumed (see :func:`iter_reviews`)."""
    # newline="": the CSV reader sees quoted line breaks as written.
    with path.open(encoding="utf-8-sig", newline="") as stream:
        yield iter_reviews(stream, filename=path.name, fmt=fmt, scope=scope)


def read_review_file(
    path: Path, *, fmt: str | None = None, scope: int | None = None
) -> list[Review]:
    with open_review_file(path, fmt=fmt, scope=scope) as reviews:
        return list(reviews)


def parse_upload(data: bytes, filename: str, scope: int | None) -> Iterator[Review]:
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


class _FileProblem(Exception):
    """The file as a whole is unreadable (not one row)."""


# -- JSON ------------------------------------------------------------------


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
JSON_READ_CHARS = 1 << 20  # the JSON reader holds about this much of a file at a time


def _json_rows(stream: TextIO) -> Iterator[ParsedRow]:
    """Each review object in turn: a list is read and decoded an item at a time, so a
    50,000-film file is never held whole, as text or as dicts."""
    try:
        yield from _json_items(_JsonStream(stream))
    except json.JSONDecodeError as error:
        raise _FileProblem(f"line {error.lineno}: not valid JSON ({error.msg})") from None
    except RecursionError:
        raise _FileProblem("not valid JSON (nested too deeply)") from None
    except UnicodeDecodeError:
        raise  # the file as a whole: iter_reviews says so
    except ValueError:  # an integer past Python's digit limit for int()
        raise _FileProblem("not valid JSON (a number has too many digits)") from None


class _JsonStream:
    """A window on a JSON text, read a megabyte at a time; errors name the file's line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._decoder = json.JSONDecoder()
        self.text = ""  # the window: from the item being read to what was read last
        self.index = 0  # where reading is, in the window
        self._lines_before = 0  # line breaks before the window
        self._eof = False

    def _more(self) -> bool:
        """Drop what was read, append the next part of the file; False at its end."""
        chunk = "" if self._eof else self._stream.read(JSON_READ_CHARS)
        if not chunk:
            self._eof = True
            return False
        self._lines_before += self.text.count("\n", 0, self.index)
        self.text = self.text[self.index :] + chunk
        self.index = 0
        return True

    def next_char(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            self.index = _JSON_SPACE.match(self.text, self.index).end()  # type: ignore[union-attr]
            if self.index < len(self.text) or not self._more():
                return self.text[self.index : self.index + 1]

    def value(self) -> Any:
        """Decode the value that starts here (reading on while it is cut off)."""
        while True:
            try:
                item, end = self._decoder.raw_decode(self.text, self.index)
            except json.JSONDecodeError as error:
                if self._more():
                    continue
                raise self.error(error.msg, error.pos) from None
            # A number at the window's end may go on past it ("12" of "1234").
            if end == len(self.text) and self._more():
                continue
            self.index = end
            return item

    def document(self) -> Any:
        """The rest of the file as one JSON value (a document that is not a list)."""
        lines_before = self._lines_before + self.text.count("\n", 0, self.index)
        text = self.text[self.index :] + self._stream.read()
        self._eof = True
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            error.lineno += lines_before
            raise

    def error(self, message: str, position: int | None = None) -> json.JSONDecodeError:
        at = self.index if position is None else position
        line = self._lines_before + self.text.count("\n", 0, at) + 1
        error = json.JSONDecodeError(message, self.text, at)
        error.lineno = line
        return error


def _json_items(json_text: _JsonStream) -> Iterator[ParsedRow]:
    if json_text.next_char() != "[":
        yield from _json_document(json_text.document())
        return
    json_text.index += 1
    number = 0
    if json_text.next_char() == "]":
        json_text.index += 1
    else:
        while True:
            item = json_text.value()
            number += 1
            yield _json_row(number, item)
            after = json_text.next_char()
            if after == "]":
                json_text.index += 1
                break
            if after != ",":
                raise json_text.error("Expecting ',' delimiter")
            json_text.index += 1
            json_text.next_char()
    if json_text.next_char() != "":
        raise json_text.error("Extra data")


def _json_document(data: Any) -> Iterator[ParsedRow]:
    if isinstance(data, dict) and isinstance(data.get("reviews"), list):
        data = data["reviews"]
    if not isinstance(data, list):
        raise _FileProblem("expected a JSON list of review objects")
    for number, item in enumerate(data, start=1):
        yield _json_row(number, item)


def _json_row(number: int, item: Any) -> ParsedRow:
    if not isinstance(item, dict):
        raise _FileProblem(f"item {number}: expected an object, got {type(item).__name__}")
    return ParsedRow(f"item {number}", item)


# -- CSV ---------------------------------------------------------------------


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
            raise _FileProblem("the CSV file has no header row")
        check_header(header)
        while True:
            start = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                return
            if len(cells) > len(header):
                raise _FileProblem(f"line {start}: more cells than header columns")
            if any(cell.strip() for cell in cells):
                cells += [""] * (len(header) - len(cells))
                yield start, dict(zip(header, cells, strict=True))
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise _FileProblem(
                f"line {start}: a quote opened on this line is never closed"
            ) from None
        raise _FileProblem(f"line {reader.line_num}: {error}") from None


def _require_columns(
    header: list[str], required: Iterable[str], names: str, *, canonical: bool
) -> None:
    """Refuse a header without the ``required`` columns, naming them (before any row)."""
    present = {canonical_field_name(column) if canonical else column for column in header}
    missing = [column for column in required if column not in present]
    if missing:
        raise _FileProblem(
            f"line 1: the header lacks the {names} {', '.join(missing)} "
            f"(it has {elide(', '.join(header) or 'nothing', 120)})"
        )


def _csv_rows(stream: TextIO) -> Iterator[ParsedRow]:
    def check(header: list[str]) -> None:
        _require_columns(header, REQUIRED_COLUMNS, "column(s)", canonical=True)

    for line, record in _csv_records(stream, check):
        yield ParsedRow(f"line {line}", {name: unneutralise(cell) for name, cell in record.items()})


def _letterboxd_rows(stream: TextIO) -> Iterator[ParsedRow]:
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
        raise _FileProblem(f"line {line}, Rating: must be between 0.5 and 5 stars, got {rating!r}")
    return stars * 2


def excerpt(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


# -- review pages ------------------------------------------------------------

_YEAR = re.compile(r"^(1[89]\d\d|20\d\d|2100)$")
_SCORE = re.compile(r"^(\d{1,2}(?:[.,]\d+)?)\s*/\s*10$")
_QUOTED = re.compile(r'^["“”„«»](.*)["“”«»]$')
# Digit counts are capped so int() never meets a number past Python's digit limit.
_RUNTIME = re.compile(
    r"^(?:(\d{1,3})\s*h(?:ours?)?\s*)?(?:(\d{1,5})\s*(?:minutes?|mins?|m))?$", re.I
)
_DIRECTED = re.compile(r"^directed by\s+(.+)$", re.I)
_BULLET = re.compile(r"^[•·*\-–]\s*")
_READ_TIME = re.compile(r"^(?:⏱\s*)?\d+[- ]minute read$", re.I)
_SCENE = re.compile(r"^(?:Scene from .+?)+$")
_PAGE_START = "Skip to main content"
_PAGE_END = "Keep Exploring"


def _is_chrome(line: str, title: str | None) -> bool:
    if line == _PAGE_START or _READ_TIME.match(line) or _SCENE.match(line):
        return True
    return title is not None and line.casefold() == f"{title} poster".casefold()


def _split_pages(text: str) -> list[tuple[int, list[str]]]:
    """Several pages may be pasted into one file; each starts with the site's skip link."""
    pages: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == _PAGE_START and any(part.strip() for part in current):
            pages.append((start, current))
            current, start = [], number
        current.append(line)
    if any(part.strip() for part in current):
        pages.append((start, current))
    return pages


def _page_rows(stream: TextIO) -> list[ParsedRow]:
    # Review pages are pasted by hand: small, and read whole.
    return [_parse_page(lines, first_line) for first_line, lines in _split_pages(stream.read())]


def _parse_page(raw_lines: list[str], first_line: int) -> ParsedRow:
    """Read one review page: header facts, body, then score, verdict label and verdict.

    Blank lines separate paragraphs; numbered lines are kept so errors point
    at the line a person sees in their editor.
    """
    lines = [(first_line + offset, line.strip()) for offset, line in enumerate(raw_lines)]
    where = f"page at line {first_line}"
    fields: dict[str, Any] = {}
    field_lines: dict[str, int] = {}
    position = _skip_to_year(lines, where)
    year_line, year_text = lines[position]
    fields["year"] = year_text
    field_lines["year"] = year_line
    position, title = _next_text(lines, position + 1, None)
    if title is None:
        raise _FileProblem(f"line {year_line}: a title must follow the year")
    fields["title"] = title
    field_lines["title"] = lines[position][0]
    body_start = _read_header(lines, position + 1, title, fields)
    # "Keep Exploring..." starts the site's trailer of other reviews: their
    # scores and labels must never be taken for this film's.
    page_end = next(
        (i for i in range(body_start, len(lines)) if lines[i][1].startswith(_PAGE_END)),
        len(lines),
    )
    score_index, score = next(
        (
            (i, match.group(1))
            for i in range(body_start, page_end)
            if (match := _SCORE.match(lines[i][1]))
        ),
        (None, None),
    )
    if score_index is None:
        fields["body"] = _paragraphs(lines[body_start:], title)
        return ParsedRow(where, fields, field_lines)
    fields["score"] = score
    field_lines["score"] = lines[score_index][0]
    fields["body"] = _paragraphs(lines[body_start:score_index], title)
    label_index, label = _next_text(lines, score_index + 1, title)
    if label is not None:
        fields["verdict"] = label
        field_lines["verdict"] = lines[label_index][0]
        fields["verdict_text"] = _paragraphs(lines[label_index + 1 :], title)
    return ParsedRow(where, fields, field_lines)


def _skip_to_year(lines: list[tuple[int, str]], where: str) -> int:
    for index, (_, line) in enumerate(lines):
        if _YEAR.match(line):
            return index
        if line and not _is_chrome(line, None):
            break
    raise _FileProblem(f"{where}: expected the release year (e.g. 2023) before the title")


def _next_text(
    lines: list[tuple[int, str]], start: int, title: str | None
) -> tuple[int, str | None]:
    """The next line with text that is not site chrome; none at or past "Keep Exploring"."""
    for index in range(start, len(lines)):
        line = lines[index][1]
        if line.startswith(_PAGE_END):
            break
        if line and not _is_chrome(line, title):
            return index, line
    return len(lines), None


def _read_header(
    lines: list[tuple[int, str]], start: int, title: str, fields: dict[str, Any]
) -> int:
    """Tagline, poster caption and the bulleted facts; returns where the body begins."""
    index = start
    while index < len(lines):
        _, line = lines[index]
        if not line or _is_chrome(line, title):
            index += 1
            continue
        quoted = _QUOTED.match(line)
        if quoted and "tagline" not in fields and "directors" not in fields:
            fields["tagline"] = quoted.group(1).strip()
        elif _BULLET.match(line):
            _read_fact(_BULLET.sub("", line), fields)
        else:
            return index
        index += 1
    return index


def _read_fact(fact: str, fields: dict[str, Any]) -> None:
    runtime = _RUNTIME.match(fact)
    directed = _DIRECTED.match(fact)
    if runtime and fact and (runtime.group(1) or runtime.group(2)):
        hours, minutes = (int(part) if part else 0 for part in runtime.groups())
        fields["runtime"] = hours * 60 + minutes
    elif directed:
        fields["directors"] = re.split(r",\s*|\s+(?:and|&)\s+", directed.group(1))
    elif "cast" not in fields:
        fields["cast"] = fact


def _paragraphs(lines: list[tuple[int, str]], title: str) -> str:
    paragraphs: list[str] = []
    current: list[str] = []
    for _, line in lines:
        if line.startswith(_PAGE_END):
            break
        if _is_chrome(line, title):
            continue
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


_ROW_READERS: dict[str, Callable[[TextIO], Iterable[ParsedRow]]] = {
    "json": _json_rows,
    "csv": _csv_rows,
    "letterboxd": _letterboxd_rows,
    "page": _page_rows,
}


# -- export --------------------------------------------------------------------


# Written for people reading an export; importers skip them (the store sets its own).
EXPORTED_BOOKKEEPING = ("id", "scope", "created_by", "created_at", "updated_by", "updated_at")


def _export_record(review: Review) -> dict[str, Any]:
    return {**review.content(), **{name: getattr(review, name) for name in EXPORTED_BOOKKEEPING}}


class Exporter:
    """Writes reviews to a text stream a page at a time, so an export never sits in memory."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, reviews: Iterable[Review]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the document (JSON's closing bracket)."""


class JsonExporter(Exporter):
    def __init__(self, out: TextIO) -> None:
        super().__init__(out)
        self._first = True
        out.write("[")

    def write(self, reviews: Iterable[Review]) -> None:
        for review in reviews:
            record = json.dumps(_export_record(review), ensure_ascii=False, indent=2)
            self.out.write(("\n  " if self._first else ",\n  ") + record.replace("\n", "\n  "))
            self._first = False

    def close(self) -> None:
        self.out.write("]\n" if self._first else "\n]\n")


class CsvExporter(Exporter):
    def __init__(self, out: TextIO) -> None:
        super().__init__(out)
        columns = [*CONTENT_FIELDS, *EXPORTED_BOOKKEEPING]
        self._writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        self._writer.writeheader()

    def write(self, reviews: Iterable[Review]) -> None:
        self._writer.writerows(_csv_cells(_export_record(review)) for review in reviews)


EXPORTERS: dict[str, Callable[[TextIO], Exporter]] = {"json": JsonExporter, "csv": CsvExporter}


def export_text(fmt: str, reviews: Iterable[Review]) -> str:
    """The whole export as one string (for small catalogs and tests)."""
    buffer = io.StringIO(newline="")
    exporter = EXPORTERS[fmt](buffer)
    exporter.write(reviews)
    exporter.close()
    return buffer.getvalue()


def export_json(reviews: Iterable[Review]) -> str:
    return export_text("json", reviews)


def export_csv(reviews: Iterable[Review]) -> str:
    return export_text("csv", reviews)


def _csv_cells(content: Mapping[str, Any]) -> dict[str, Any]:
    cells = {
        name: _csv_list(value) if name in LIST_FIELDS else ("" if value is None else value)
        for name, value in content.items()
    }
    return {
        name: neutralise(cell) if isinstance(cell, str) else cell for name, cell in cells.items()
    }


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet will show, never run: a formula start gets a leading "'".

    Cells that already start with quotes before one get one more, so
    :func:`unneutralise` can always take exactly one away: the round trip is lossless.
    """
    return f"'{cell}" if _NEUTRALISED.match(cell) else cell


def unneutralise(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _NEUTRALISED.match(cell) else cell


def _csv_list(names: list[str]) -> str:
    """Join names with "; "; a lone name with a comma gets a trailing ";".

    The reader splits on semicolons when there are any and on commas
    otherwise, so without it "Lee, Spike" would come back as two names.
    """
    text = "; ".join(names)
    return f"{text};" if len(names) == 1 and "," in text else text
