"""How a review is named in one short line: autocomplete choices and select options.

Below both the catalog (which answers autocomplete) and the embed builder
(which fills select menus), so neither imports the other for it.
"""

from __future__ import annotations

from bot.models import ReviewDraft

ELLIPSIS = "…"
CHOICE_LIMIT = 100  # Discord's limit on a choice name and a select option label


def review_choice_label(review: ReviewDraft, limit: int = CHOICE_LIMIT) -> str:
    """ "Title (Year)" within a select-option or autocomplete-choice name."""
    return choice_label(review.title, review.year, limit)


def choice_label(title: str, year: int | None, limit: int = CHOICE_LIMIT) -> str:
    """ "Title (Year)" from the title index's facts, without loading the review."""
    suffix = "" if year is None else f" ({year})"
    title = " ".join(title.split())
    if len(title) + len(suffix) > limit:
        title = title[: limit - len(suffix) - 1].rstrip() + ELLIPSIS
    return title + suffix
