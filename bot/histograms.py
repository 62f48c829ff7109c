"""What a catalog chart draws: counts of reviews by score, by decade and by genre.

Plain numbers, read by the store (:meth:`bot.store.insights.Insights.histograms`)
and drawn by :mod:`bot.charts`, so neither knows about the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCORE_STEP = 0.5  # the score histogram's bin width: scores have one decimal, out of 10


@dataclass(frozen=True, slots=True)
class CatalogHistograms:
    total: int  # reviews in the slice, with or without a score
    average_score: float | None = None
    # The lower edge of each half-point bin (7.0 holds 7.0-7.4) -> reviews; empty bins absent.
    by_score: dict[float, int] = field(default_factory=dict)
    by_decade: dict[int, int] = field(default_factory=dict)  # 1990 -> reviews of 1990-1999
    # The most common genres, most first (a review counts once for each of its genres).
    by_genre: list[tuple[str, int]] = field(default_factory=list)

    @property
    def scored(self) -> int:
        return sum(self.by_score.values())
