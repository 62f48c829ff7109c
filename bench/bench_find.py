"""Find review benchmark: reading the film a message names, over the 58,788-film catalog.

Run: .venv/bin/python -m bench.bench_find [--repeats N] [--write-docs]

Times ``TitleFinder.find_in_text`` (what Apps → Find review runs) for messages that name
a catalog title and for everyday chatter that names none, and counts how often the
chatter is taken for a title (exact titles such as "Tonight" or "Thank You" exist).
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from bench.bench_store import timed
from bench.movies import movie_reviews
from bench.report import bench_main
from bot.catalog import Catalog
from bot.finder import WORDS_READ
from bot.store import Store

REPEATS = 200
CHATTER = [
    "good morning everyone",
    "what are we watching tonight?",
    "i finally finished the book you lent me",
    "does anyone want to grab lunch later",
    "lol that was amazing",
    "thanks for organising the screening last week",
    "my train is late again, start without me",
    "is the meeting still on for thursday",
    "happy birthday, hope you have a great day",
    "can someone share the link to the poll",
    "i think the sound was too loud in the cinema",
    "we should do a horror month in october",
    "has anyone been to the new place downtown",
    "sorry, I was away all weekend",
    "the popcorn there is overpriced but good",
    "who picked the film last time?",
    "see you all on friday night",
    "that ending made no sense to me",
    "I need a comfort watch after this week",
    "anyone up for a double feature on sunday",
]


def naming_messages(titles: list[str], count: int, seed: int = 14) -> list[tuple[str, str]]:
    """(message, title) pairs: a multi-word catalog title inside a sentence."""
    chooser = random.Random(seed)
    picked = chooser.sample([t for t in titles if len(t.split()) >= 2], count)
    shapes = ["has anyone seen {} yet?", "{} was great", "rewatching {} tonight, thoughts?"]
    return [(chooser.choice(shapes).format(title), title) for title in picked]


async def run(repeats: int) -> str:
    reviews = movie_reviews()
    with tempfile.TemporaryDirectory() as folder:
        async with await Store.open(Path(folder) / "bench.db") as store:
            await store.writes.import_reviews(reviews, actor_id=None)
            catalog = await Catalog.from_store(store)
            naming = naming_messages([r.title for r in reviews], repeats)
            found = 0
            for message, title in naming:
                review = await catalog.finder.find_in_text(message, None)
                found += review is not None and review.title == title
            mistaken = {
                line: review.display_title
                for line in CHATTER
                if (review := await catalog.finder.find_in_text(line, None)) is not None
            }
            long_chatter = " ".join(CHATTER)  # > WORDS_READ words: the most work a message costs
            cases = {
                "names a title (multi-word, in a sentence)": lambda: catalog.finder.find_in_text(
                    naming[0][0], None
                ),
                "everyday chatter, 4–10 words": lambda: catalog.finder.find_in_text(
                    CHATTER[1], None
                ),
                f"chatter of {len(long_chatter.split())} words (read: first {WORDS_READ})": (
                    lambda: catalog.finder.find_in_text(long_chatter, None)
                ),
            }
            lines = [
                f"Catalog: {await store.reviews.count(guild_id=None):,} reviews. "
                f"Found the intended title in {found}/{len(naming)} sentences naming a "
                f"multi-word title; {len(mistaken)}/{len(CHATTER)} everyday lines were taken "
                "for a title"
                + (
                    ": " + "; ".join(f"“{k}” → {v}" for k, v in mistaken.items())
                    if mistaken
                    else ""
                )
                + ".",
                "",
                f"| Find review on ({repeats:,} runs each) | p50 ms | p99 ms |",
                "|---|---:|---:|",
            ]
            for name, call in cases.items():
                p50, p99 = await timed(call, repeats)
                lines.append(f"| {name} | {p50:.1f} | {p99:.1f} |")
    return "\n".join(lines)


def main() -> None:
    bench_main(__doc__, "find", run, REPEATS)


if __name__ == "__main__":
    main()
