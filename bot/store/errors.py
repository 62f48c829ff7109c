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


class StaleReview(StoreError):
    """An edit that began from an older version of a review than the stored one: someone
    else changed it meanwhile, so nothing was written. ``current`` is the review now."""

    def __init__(self, current: Review) -> None:
        super().__init__(
            f"{current.display_title} was changed by someone else since this edit began; "
            "nothing was saved"
        )
        self.current = current


class CatalogBusy(StoreError):
    """Another writer held the database for longer than a member should wait."""

    def __init__(self) -> None:
        super().__init__(
            "The catalog is busy with a large change right now; please try again in a few seconds."
        )
