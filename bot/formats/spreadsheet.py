"""CSV cells a spreadsheet shows but never runs, and back (OWASP's CSV-injection advice)."""

from __future__ import annotations

import re

# A spreadsheet runs a cell that starts with one of these as a formula
# ("=cmd|' /C calc'!A0", "+HYPERLINK(…)").
FORMULA_START = "=+-@\t\r"
_NEUTRALISED = re.compile(f"^'*[{re.escape(FORMULA_START)}]")


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet will show, never run: a formula start gets a leading "'".

    Cells that already start with quotes before one get one more, so
    :func:`unneutralise` can always take exactly one away: the round trip is lossless.
    """
    return f"'{cell}" if _NEUTRALISED.match(cell) else cell


def unneutralise(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _NEUTRALISED.match(cell) else cell
