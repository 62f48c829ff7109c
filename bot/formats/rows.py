"""What every reader yields, and how it says the file as a whole is unreadable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ParsedRow:
    where: str  # "row 3", "line 12": how a person finds it in the file
    fields: dict[str, Any]
    # Where single fields sit when that is not where the row starts (review pages).
    field_lines: dict[str, int] = field(default_factory=dict)

    def where_field(self, name: str) -> str:
        line = self.field_lines.get(name)
        return self.where if line is None else f"{self.where}, line {line}"


class FileProblem(Exception):
    """The file as a whole is unreadable (not one row)."""
