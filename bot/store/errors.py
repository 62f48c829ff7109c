"""The store's errors: each one is a message for the person who asked."""

from __future__ import annotations

from bot.member_errors import UserError
from bot.models import Review


class StoreError(UserError):
    """Base class for the store's errors; each is shown to the person who asked."""


class ReviewNotFound(StoreError):
    def __init__(self, review_id: int) -> None:
        super().__init__(f"no review with id {review_id} in this catalog")
        self.review_id = review_id


class DuplicateReview(StoreError):
    def __init__(self, existing: Review) -> None:
        super().__init__(f"{existing.display_title} is already in this catalog (id {existing.id})")
        self.existing = existing


class CatalogBusy(StoreError):
    """Another writer held the database for longer than a member should wait."""

    def __init__(self) -> None:
        super().__init__(
            "The catalog is busy with a large change right now; please try again in a few seconds."
        )
