"""JSON: a list of review objects (or ``{"reviews": [...]}``), read a window at a time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TextIO

from bot.formats.rows import FileProblem, ParsedRow

_JSON_SPACE = re.compile(r"[ \t\n\r]*")
JSON_READ_CHARS = 1 << 20  # the JSON reader holds about this much of a file at a time


def json_rows(stream: TextIO) -> Iterator[ParsedRow]:
    """Each review object in turn: a list is read and decoded an item at a time, so a
    50,000-film file is never held whole, as text or as dicts."""
    try:
        yield from _json_items(_JsonStream(stream))
    except json.JSONDecodeError as error:
        raise FileProblem(f"line {error.lineno}: not valid JSON ({error.msg})") from None
    except RecursionError:
        raise FileProblem("not valid JSON (nested too deeply)") from None
    except UnicodeDecodeError:
        raise  # the file as a whole: iter_reviews says so
    except ValueError:  # an integer past Python's digit limit for int()
        raise FileProblem("not valid JSON (a number has too many digits)") from None


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
        raise FileProblem("expected a JSON list of review objects")
    for number, item in enumerate(data, start=1):
        yield _json_row(number, item)


def _json_row(number: int, item: Any) -> ParsedRow:
    if not isinstance(item, dict):
        raise FileProblem(f"item {number}: expected an object, got {type(item).__name__}")
    return ParsedRow(f"item {number}", item)
