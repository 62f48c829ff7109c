"""The ``reviews`` table's columns, declared once and derived from :class:`Review`.

Every field of the model is one column, with how its value is stored: lists as
JSON arrays, the global scope as 0. The SELECT list, the INSERT/UPDATE
parameters and the row→Review decoding all come from :data:`REVIEW_COLUMNS`,
so adding a field to the model changes all three (and the migration that adds
its column is checked against them by tests/bot/test_store.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

from bot.matching import normalize_title
from bot.models import CONTENT_FIELDS, LIST_FIELDS, Review, ReviewDraft

GLOBAL_SCOPE = 0  # how the global catalog is stored; ``None`` in Python

# Columns the store keeps for itself, computed from other fields on every write.
DERIVED_COLUMNS = ("title_key", "identity", "film_key", "genre_mask")


def db_scope(scope: int | None) -> int:
    return GLOBAL_SCOPE if scope is None else scope


def py_scope(scope: int) -> int | None:
    return None if scope == GLOBAL_SCOPE else scope


def _as_is(value: Any) -> Any:
    return value


# json.dumps(list_of_names, ensure_ascii=False), byte for byte (the same C string encoder
# and separator), without building a JSON encoder per call: a bulk import encodes four
# lists per review, and stored lists are compared as text to tell a changed review.
_json_string = json.encoder.encode_basestring


def _json_list(values: Sequence[str]) -> str:
    return f"[{', '.join(map(_json_string, values))}]"


def _tuple_from_json(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


@dataclass(frozen=True, slots=True)
class Column:
    field: str  # the Review attribute
    name: str  # the column in ``reviews``
    encode: Callable[[Any], Any] = _as_is
    decode: Callable[[Any], Any] = _as_is


_COLUMN_NAMES = {"cast": "cast_members"}  # CAST is an SQL keyword


def _column(field: str) -> Column:
    name = _COLUMN_NAMES.get(field, field)
    if field in LIST_FIELDS:
        return Column(field, name, _json_list, _tuple_from_json)
    if field == "scope":
        return Column(field, name, db_scope, py_scope)
    if field == "sample":
        return Column(field, name, int, bool)
    return Column(field, name)


REVIEW_COLUMNS = tuple(_column(f.name) for f in fields(Review))
CONTENT_COLUMNS = tuple(column for column in REVIEW_COLUMNS if column.field in CONTENT_FIELDS)
COLUMNS = {column.field: column for column in REVIEW_COLUMNS}


def select_list(names: Iterable[str] = COLUMNS) -> str:
    """The column list for the Review fields ``names`` (all of them by default)."""
    return ", ".join(COLUMNS[name].name for name in names)


def decode(names: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    """Field name → Python value, for a row selected with ``select_list(names)``."""
    return {name: COLUMNS[name].decode(value) for name, value in zip(names, row, strict=True)}


REVIEW_SELECT = select_list()
_ALL_FIELDS = tuple(COLUMNS)


def decode_review(row: Sequence[Any]) -> Review:
    """The review in a row selected with :data:`REVIEW_SELECT`."""
    return Review(**decode(_ALL_FIELDS, row))


# The columns of content_values(), in order.
CONTENT_PARAMS = (
    *(column.name for column in CONTENT_COLUMNS),
    "title_key",  # for finding
    "identity",  # the upsert key: bot.models.identity_key
    "film_key",  # for shadowing
    "sample",
)
_content_of = attrgetter(*(column.field for column in CONTENT_COLUMNS))
# Only lists need encoding; every other content value is stored as it is.
_ENCODED = tuple(
    (index, column.encode)
    for index, column in enumerate(CONTENT_COLUMNS)
    if column.encode is not _as_is
)
_encode_sample = COLUMNS["sample"].encode


def content_values(review: ReviewDraft) -> tuple[Any, ...]:
    """The stored values of :data:`CONTENT_PARAMS`: everything a person writes, the keys
    derived from it, and whether it is a sample (a person's own write makes it theirs).
    A tuple, for a bulk import's ``executemany``."""
    values = list(_content_of(review))
    for index, encode in _ENCODED:
        values[index] = encode(values[index])
    title_key = normalize_title(review.title)
    return (*values, title_key, review.identity, review.film, _encode_sample(review.sample))


def content_params(review: ReviewDraft) -> dict[str, Any]:
    """Column → stored value of :func:`content_values`, for named parameters."""
    return dict(zip(CONTENT_PARAMS, content_values(review), strict=True))
