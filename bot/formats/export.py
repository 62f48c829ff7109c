"""Writing reviews out as JSON or CSV, a page at a time; the importers read both back."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

from bot.formats.spreadsheet import neutralise
from bot.models import CONTENT_FIELDS, LIST_FIELDS, ReviewDraft

# Written for people reading an export; importers skip them (the store sets its own).
EXPORTED_BOOKKEEPING = ("id", "scope", "created_by", "created_at", "updated_by", "updated_at")


def _export_record(review: ReviewDraft) -> dict[str, Any]:
    # A draft (never stored) has a scope but none of the rest: those are left empty.
    bookkeeping = {name: getattr(review, name, None) for name in EXPORTED_BOOKKEEPING}
    return {**review.content(), **bookkeeping}


class Exporter:
    """Writes reviews to a text stream a page at a time, so an export never sits in memory."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, reviews: Iterable[ReviewDraft]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the document (JSON's closing bracket)."""


class JsonExporter(Exporter):
    def __init__(self, out: TextIO) -> None:
        super().__init__(out)
        self._first = True
        out.write("[")

    def write(self, reviews: Iterable[ReviewDraft]) -> None:
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

    def write(self, reviews: Iterable[ReviewDraft]) -> None:
        self._writer.writerows(_csv_cells(_export_record(review)) for review in reviews)


EXPORTERS: dict[str, Callable[[TextIO], Exporter]] = {"json": JsonExporter, "csv": CsvExporter}


def export_text(fmt: str, reviews: Iterable[ReviewDraft]) -> str:
    """The whole export as one string (for small catalogs and tests)."""
    buffer = io.StringIO(newline="")
    exporter = EXPORTERS[fmt](buffer)
    exporter.write(reviews)
    exporter.close()
    return buffer.getvalue()


def export_json(reviews: Iterable[ReviewDraft]) -> str:
    return export_text("json", reviews)


def export_csv(reviews: Iterable[ReviewDraft]) -> str:
    return export_text("csv", reviews)


def _csv_cells(content: Mapping[str, Any]) -> dict[str, Any]:
    cells = {
        name: _csv_list(value) if name in LIST_FIELDS else ("" if value is None else value)
        for name, value in content.items()
    }
    return {
        name: neutralise(cell) if isinstance(cell, str) else cell for name, cell in cells.items()
    }


def _csv_list(names: list[str]) -> str:
    """Join names with "; "; a lone name with a comma gets a trailing ";".

    The reader splits on semicolons when there are any and on commas
    otherwise, so without it "Lee, Spike" would come back as two names.
    """
    text = "; ".join(names)
    return f"{text};" if len(names) == 1 and "," in text else text
