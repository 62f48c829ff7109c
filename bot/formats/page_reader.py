"""Critics' review pages, pasted as text from the site (several may share one file)."""

from __future__ import annotations

import re
from typing import Any, TextIO

from bot.formats.rows import FileProblem, ParsedRow

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


def page_rows(stream: TextIO) -> list[ParsedRow]:
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
        raise FileProblem(f"line {year_line}: a title must follow the year")
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
    raise FileProblem(f"{where}: expected the release year (e.g. 2023) before the title")


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
