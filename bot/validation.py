"""The one place a review's fields are validated.

Every way a review enters the catalog (importer, CLI, moderation command)
goes through :func:`review_from_fields`, so a moderator sees the same message
for the same mistake wherever they made it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

from bot.member_errors import UserError
from bot.models import BOOKKEEPING_FIELDS, CONTENT_FIELDS, ReviewDraft

MIN_YEAR = 1870  # the earliest surviving motion pictures
MAX_YEAR = 2100
MAX_TITLE_LENGTH = 200
MAX_SHORT_TEXT = 300  # tagline, verdict label, names
MAX_VERDICT_TEXT = 4000
MAX_BODY = 100_000
MAX_LIST_ITEMS = 500
# Longer than any released film: the longest, "Logistics" (2012), runs 857 hours
# (51,420 minutes); ggplot2movies' longest is 5,220. The cap only keeps numbers sane.
MAX_RUNTIME_MINUTES = 100_000
SHOWN_VALUE_LIMIT = 60  # characters of a person's input quoted back in an error

# Turns one loosely typed input value into a field's stored value or raises ValueError.
FieldParser = Callable[[Any], Any]


class ValidationError(UserError, ValueError):
    """One or more fields are wrong; ``problems`` maps field name to a message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {text}" for name, text in self.problems.items()))


# Names people naturally use in spreadsheets and JSON, mapped to ours.
FIELD_ALIASES: dict[str, str] = {
    "director": "directors",
    "directed_by": "directors",
    "genre": "genres",
    "alias": "aliases",
    "alternative_titles": "aliases",
    "also_known_as": "aliases",
    "runtime_minutes": "runtime",
    "minutes": "runtime",
    "rating": "score",
    "verdict_label": "verdict",
    "label": "verdict",
    "excerpt": "verdict_text",
    "summary": "verdict_text",
    "review": "body",
    "text": "body",
    "critic": "reviewer",
    "url": "review_url",
    "link": "review_url",
    "poster": "poster_url",
    "image": "poster_url",
}


_SEPARATORS = re.compile(r"[\s\-]+")
_LINE_BREAKS = re.compile("[\r\u0085\u2028\u2029]")


@lru_cache(maxsize=1024)  # a file repeats its column names on every row
def canonical_field_name(name: str) -> str:
    key = _SEPARATORS.sub("_", name.strip().casefold())
    return FIELD_ALIASES.get(key, key)


def elide(text: str, limit: int = SHOWN_VALUE_LIMIT) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def shown(value: object, limit: int = SHOWN_VALUE_LIMIT) -> str:
    """A person's input quoted back in an error: as typed, long values elided."""
    return repr(elide(value if isinstance(value, str) else str(value), limit))


def review_from_fields(
    raw: Mapping[str, Any],
    *,
    scope: int | None = None,
    ignore_unknown: bool = False,
    complete: bool = False,
) -> ReviewDraft:
    """Build a validated :class:`ReviewDraft` from loosely typed input.

    Raises :class:`ValidationError` naming every bad field at once, so a
    moderator can fix a row in one go. ``complete=False`` checks a draft whose
    verdict is still to come (``/catalog add`` before its form).
    """
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key, value in raw.items():
        name = canonical_field_name(str(key))
        parse = _FIELD_PARSERS.get(name)  # one parser per content field
        if parse is None:
            if not ignore_unknown and name not in BOOKKEEPING_FIELDS:
                problems[name[:SHOWN_VALUE_LIMIT]] = f"unknown field {shown(key)}"
            continue
        try:
            values[name] = parse(value)
        except ValueError as error:
            problems[name] = str(error)
    if "title" not in values and "title" not in problems:
        problems["title"] = "title is required"
    if "year" not in values and "year" not in problems:
        problems["year"] = "year is required"
    if complete and not problems and not has_substance(values):
        problems["verdict"] = NO_SUBSTANCE
    if problems:
        raise ValidationError(problems)
    return ReviewDraft(scope=scope, **values)


NO_SUBSTANCE = "a review needs at least a score, a verdict or verdict text"


def has_substance(values: Mapping[str, Any]) -> bool:
    """Whether a review (its content, by field name) says anything a card can show."""
    return any(values.get(name) not in (None, "") for name in ("score", "verdict", "verdict_text"))


def validate_field(name: str, value: Any) -> Any:
    """Parse one field by the same rules as a whole record (used by edits)."""
    canonical = canonical_field_name(name)
    if canonical not in CONTENT_FIELDS:
        raise ValidationError({canonical[:SHOWN_VALUE_LIMIT]: f"unknown field {shown(name)}"})
    try:
        return _FIELD_PARSERS[canonical](value)
    except ValueError as error:
        raise ValidationError({canonical: str(error)}) from None


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Zero-width, bidi-control and other invisible format characters let a title
# look like another one; C0 controls (except tab and newline) break embeds.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\u0000-\u0008\u000b-\u001f]"
)


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.isascii() and value.isprintable():
        # Most text: no surrogate, invisible character or line break can be in it,
        # so the three passes below would change nothing (a bulk import's hot path).
        return value.strip()
    if not isinstance(value, str | int | float):
        raise ValueError(f"expected text, got {type(value).__name__}")
    if isinstance(value, str) and (bad := _SURROGATE.search(value)):
        # JSON may spell half a UTF-16 pair ("\ud800"); it is no character and
        # cannot be stored or shown.
        raise ValueError(f"holds {bad.group()!r}, half of a character, at position {bad.start()}")
    # Line endings first: "\r" is in _INVISIBLE's control range.
    text = str(value).replace("\r\n", "\n")
    text = _LINE_BREAKS.sub("\n", text)  # every other line break, too
    return _INVISIBLE.sub("", text).strip()


def is_visible(text: str) -> bool:
    """Whether ``text`` shows anything: a letter, digit, mark of punctuation or symbol.

    Combining marks alone and invisible format characters render blank.
    """
    return any(unicodedata.category(ch)[0] in "LNPS" for ch in text)


def _required_text(name: str, limit: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = clean_text(value)
        if not text:
            raise ValueError(f"{name} must not be empty")
        if not is_visible(text):
            raise ValueError(f"{name} must hold a visible character (letter, digit or sign)")
        if "\n" in text:
            raise ValueError(f"{name} must be one line")
        if len(text) > limit:
            raise ValueError(f"{name} must be at most {limit} characters, got {len(text)}")
        return text

    return parse


def _optional_text(name: str, limit: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = clean_text(value)
        if len(text) > limit:
            raise ValueError(f"{name} must be at most {limit} characters, got {len(text)}")
        return text

    return parse


def _int_in_range(name: str, low: int, high: int, *, optional: bool) -> Callable[[Any], int | None]:
    def parse(value: Any) -> int | None:
        if type(value) is int and low <= value <= high:
            # A JSON number in range: what its text gives below (a bulk import's hot path).
            return value
        if _is_blank(value):
            if optional:
                return None
            raise ValueError(f"{name} is required")
        if isinstance(value, bool):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        text = clean_text(value)
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, got {shown(text)}") from None
        if not math.isfinite(number) or number != int(number):
            raise ValueError(f"{name} must be a whole number, got {shown(text)}")
        if not low <= number <= high:
            # As typed, not as parsed: "1e3" stays "1e3".
            raise ValueError(f"{name} must be between {low} and {high}, got {elide(text)}")
        return int(number)

    return parse


def parse_score(value: Any) -> float | None:
    """A score out of 10 with one decimal; accepts "9.5", "9.5/10", "9,5"."""
    if (type(value) is float or type(value) is int) and 0 <= value <= 10:
        # A JSON number in range (NaN fails the comparison): what its text gives below.
        return round(value, 1) + 0.0
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"score must be a number, got {value!r}")
    text = clean_text(value).replace(",", ".")
    text = re.sub(r"\s*/\s*10\s*$", "", text)
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"score must be a number between 0 and 10, got {shown(text)}") from None
    if not math.isfinite(number):
        raise ValueError(f"score must be a number between 0 and 10, got {shown(text)}")
    if not 0 <= number <= 10:
        raise ValueError(f"score must be between 0 and 10, got {elide(text)}")
    return round(number, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def _split_names(text: str, *, split_commas: bool) -> list[str]:
    # Semicolons win over commas so "Dark Knight, The; TDK" keeps its comma.
    if re.search(r"[;|\n]", text) or not split_commas:
        return re.split(r"[;|\n]", text)
    return re.split(r",(?!\s*(?:jr|sr)\b\.?)", text, flags=re.IGNORECASE)


def parse_name_list(
    name: str, *, item_limit: int = MAX_SHORT_TEXT, split_commas: bool = True
) -> Callable[[Any], tuple[str, ...]]:
    """Lists arrive as JSON arrays or as text separated by semicolons, '|' or commas."""

    def parse(value: Any) -> tuple[str, ...]:
        if _is_blank(value):
            return ()
        items: Iterable[Any]
        if isinstance(value, str):
            items = _split_names(value, split_commas=split_commas)
        elif isinstance(value, list | tuple):
            items = value
        else:
            raise ValueError(f"{name} must be a list of names, got {type(value).__name__}")
        cleaned: list[str] = []
        seen: set[str] = set()
        for item in items:
            text = clean_text(item)
            if not text:
                continue
            if len(text) > item_limit:
                raise ValueError(f"each of {name} must be at most {item_limit} characters")
            if "\n" in text:
                raise ValueError(f"each of {name} must be one line")
            key = text.casefold()
            if key in seen:
                continue
            seen.add(key)
            cleaned.append(text)
            if len(cleaned) > MAX_LIST_ITEMS:
                # Stop here: a hostile list must not cost time in proportion to its length.
                raise ValueError(f"{name} may hold at most {MAX_LIST_ITEMS} entries, got more")
        return tuple(cleaned)

    return parse


def _url(name: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = clean_text(value)
        if not text:
            return ""
        parsed = urlparse(text)
        # urlparse silently drops tabs and newlines, so whitespace is checked on the raw text.
        if parsed.scheme not in {"http", "https"} or not parsed.netloc or re.search(r"\s", text):
            raise ValueError(f"{name} must be an http(s) link, got {shown(text)}")
        if len(text) > 2000:
            raise ValueError(f"{name} must be at most 2000 characters")
        return text

    return parse


_FIELD_PARSERS: dict[str, FieldParser] = {
    "title": _required_text("title", MAX_TITLE_LENGTH),
    "year": _int_in_range("year", MIN_YEAR, MAX_YEAR, optional=False),
    "tagline": _optional_text("tagline", MAX_SHORT_TEXT * 10),
    "directors": parse_name_list("directors"),
    "cast": parse_name_list("cast"),
    "runtime": _int_in_range("runtime", 1, MAX_RUNTIME_MINUTES, optional=True),
    "score": parse_score,
    "verdict": _optional_text("verdict", MAX_SHORT_TEXT),
    "verdict_text": _optional_text("verdict_text", MAX_VERDICT_TEXT),
    "body": _optional_text("body", MAX_BODY),
    "reviewer": _optional_text("reviewer", MAX_SHORT_TEXT),
    "review_url": _url("review_url"),
    "poster_url": _url("poster_url"),
    "genres": parse_name_list("genres", item_limit=60),
    "aliases": parse_name_list("aliases", item_limit=MAX_TITLE_LENGTH, split_commas=False),
}
