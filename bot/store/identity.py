"""Which stored review a review is a copy of: the catalog's one definition of identity.

Adding, editing, restoring and importing all ask :func:`same_review`, in SQL, so
single writes and set-based imports can never disagree about it. The key itself is
:func:`bot.models.identity_key` (the review's link, else its film), stored in the
``identity`` column.
"""

from __future__ import annotations

from typing import Any

from bot.models import ReviewDraft
from bot.store.schema import db_scope

IDENTITY_COLUMNS = ("scope", "identity")
_TYPES = {"scope": "BIGINT", "identity": "TEXT"}


def same_review(existing: str, incoming: str) -> str:
    """SQL: the row ``existing`` (a ``reviews`` alias) stores the review in row ``incoming``.

    ``incoming`` is any row with the :data:`IDENTITY_COLUMNS`, as stored.
    """
    return " AND ".join(f"{existing}.{name} = {incoming}.{name}" for name in IDENTITY_COLUMNS)


def incoming_row(review: ReviewDraft) -> tuple[str, list[Any]]:
    """A one-row SQL source named ``incoming`` holding ``review``'s identity columns."""
    values = {"scope": db_scope(review.scope), "identity": review.identity}
    # Typed, as PostgreSQL takes an untyped parameter for text.
    columns = ", ".join(f"CAST(? AS {_TYPES[name]}) AS {name}" for name in IDENTITY_COLUMNS)
    return f"(SELECT {columns}) AS incoming", [values[name] for name in IDENTITY_COLUMNS]
