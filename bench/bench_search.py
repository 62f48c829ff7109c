"""Search benchmark: /discover at the store over 58,788 reviews, on SQLite and PostgreSQL.

The catalog is ggplot2movies' 58,788 films (bench/movies.py) with synthetic review
texts of 150-600 words (bench/review_texts.py: real English words at their real
frequencies, fixed seed). On each engine:

- the import into a new database, once without the search index (its triggers,
  table and vocabulary dropped first; on PostgreSQL the generated column and the
  vocabulary triggers) and once with it, and what the index takes on disk;
- ``store.search.search`` p50 and p99 for one frequent word, one rare word, two and four
  words from one review's text, a phrase, and a mistyped word (corrected), each
  without and with filters; and ``store.search.random_match``.

Queries differ from one repeat to the next (drawn with a fixed seed), as members'
do. PostgreSQL is a throwaway server started here (tests/pgserver.py), over
127.0.0.1. Run it niced, it takes several minutes:

    nice .venv/bin/python -m bench.bench_search [--repeats 200] [--write-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.bench_store import percentile
from bench.movies import movie_reviews
from bench.report import replace_section
from bench.review_texts import vocabulary, with_texts
from bot.matching.query import STOP_WORDS
from bot.models import ReviewDraft, ReviewFilters
from bot.store import Store
from tests.pgserver import PostgresServer

SEED = 20261207
FILTERS = ReviewFilters(genre="Drama", min_score=7)
FREQUENT_WORDS = 20  # the most frequent words that are not stop words
RARE_RANKS = (20_000, 30_000)  # vocabulary ranks the rare words are drawn from
TYPO_MIN_LENGTH = 7

# SQLite without the search index: what migration 0007 added, dropped.
SQLITE_WITHOUT_INDEX = (
    "DROP TRIGGER search_index_add; DROP TRIGGER search_index_remove; "
    "DROP TRIGGER search_index_change; DROP TABLE search_vocabulary; "
    "DROP TABLE search_index; DROP VIEW search_content;"
)
POSTGRESQL_WITHOUT_INDEX = (
    "DROP TRIGGER search_vocabulary_add ON reviews; "
    "DROP TRIGGER search_vocabulary_change ON reviews; "
    "DROP TRIGGER search_vocabulary_remove ON reviews; "
    "ALTER TABLE reviews DROP COLUMN search_document;"
)


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    queries: Callable[[random.Random], str]


def _content_words(text: str) -> list[str]:
    return [word.strip(".").lower() for word in text.split() if word.lower() not in STOP_WORDS]


def _typo(word: str, chooser: random.Random) -> str:
    """``word`` with two neighbouring letters swapped (not the first)."""
    at = chooser.randrange(1, len(word) - 1)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def query_cases(reviews: list[ReviewDraft]) -> list[Case]:
    words = [word for word in vocabulary().words if word not in STOP_WORDS]
    frequent = words[:FREQUENT_WORDS]
    rare = words[RARE_RANKS[0] : RARE_RANKS[1]]

    def from_review(count: int) -> Callable[[random.Random], str]:
        def draw(chooser: random.Random) -> str:
            body = _content_words(chooser.choice(reviews).body)
            return " ".join(chooser.sample(body, count))

        return draw

    def phrase(chooser: random.Random) -> str:
        body = chooser.choice(reviews).body.split()
        at = chooser.randrange(len(body) - 1)
        return f'"{body[at].strip(".")} {body[at + 1].strip(".")}"'

    def far_apart(chooser: random.Random) -> str:
        """Four words of four reviews: seldom all in one, so the search relaxes."""
        return " ".join(
            chooser.choice(_content_words(chooser.choice(reviews).body)) for _ in range(4)
        )

    def typo(chooser: random.Random) -> str:
        longer = [word for word in words[1_000:10_000] if len(word) >= TYPO_MIN_LENGTH]
        return _typo(chooser.choice(longer), chooser)

    return [
        Case("1 frequent word", lambda chooser: chooser.choice(frequent)),
        Case("1 rare word", lambda chooser: chooser.choice(rare)),
        Case("2 words of one review", from_review(2)),
        Case("4 words of one review", from_review(4)),
        Case('a "two-word phrase"', phrase),
        Case("4 words of 4 reviews (most relax)", far_apart),
        Case("1 mistyped word (corrected)", typo),
    ]


async def import_seconds(
    target: str, reviews: list[ReviewDraft], *, with_index: bool
) -> tuple[float, float]:
    """(wall, CPU) seconds of the import; CPU is this process's (SQLite imports in a
    thread of it; PostgreSQL's own work is in its server, so only wall time tells)."""
    async with await Store.open(target) as store:
        if not with_index:
            await _drop_index(store, target)
        wall, cpu = time.perf_counter(), time.process_time()
        await store.writes.import_reviews(reviews, actor_id=None)
        return time.perf_counter() - wall, time.process_time() - cpu


async def _drop_index(store: Store, target: str) -> None:
    if store.dialect == "sqlite":
        with sqlite3.connect(target) as db:
            db.executescript(SQLITE_WITHOUT_INDEX)
    else:
        connection = await asyncpg.connect(target)
        try:
            await connection.execute(POSTGRESQL_WITHOUT_INDEX)
        finally:
            await connection.close()


def sqlite_index_bytes(path: Path) -> dict[str, int]:
    """Bytes of the FTS5 index's tables, and of the covering index the search joins by."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = db.execute(
            "SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE 'search_index%' "
            "OR name = 'reviews_search_filter' GROUP BY name"
        ).fetchall()
    sizes = {str(name): int(size) for name, size in rows}
    return {
        "FTS5 index": sum(size for name, size in sizes.items() if name.startswith("search")),
        "covering index by id": sizes.get("reviews_search_filter", 0),
    }


async def postgresql_index_bytes(url: str) -> dict[str, int]:
    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow(
            "SELECT pg_relation_size('reviews_search'), pg_relation_size('reviews_search_card'), "
            "SUM(pg_column_size(search_document)), SUM(pg_column_size(search_card)), "
            "pg_total_relation_size('search_vocabulary') FROM reviews"
        )
    finally:
        await connection.close()
    names = ("GIN index", "card GIN index", "documents", "card documents", "vocabulary")
    return {name: int(size) for name, size in zip(names, row, strict=True)}


@dataclass(frozen=True, slots=True)
class Latency:
    p50: float  # ms, wall clock
    p99: float
    cpu_p50: float  # ms of this process's CPU: SQLite's own work, without other jobs' turns
    cpu_p99: float
    matches: float  # median


async def latencies(store: Store, case: Case, filters: ReviewFilters, repeats: int) -> Latency:
    chooser = random.Random(f"{SEED}-{case.name}")
    walls, cpus, totals = [], [], []
    for _ in range(repeats):
        text = case.queries(chooser)
        wall, cpu = time.perf_counter(), time.process_time()
        page = await store.search.search(text, filters, guild_id=None)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        totals.append(page.total)
    return Latency(
        statistics.median(walls),
        percentile(walls, 0.99),
        statistics.median(cpus),
        percentile(cpus, 0.99),
        statistics.median(totals),
    )


async def random_match_latency(store: Store, repeats: int) -> tuple[float, float]:
    chooser = random.Random(SEED)
    words = [word for word in vocabulary().words if word not in STOP_WORDS][100:2_000]
    samples = []
    for _ in range(repeats):
        text = chooser.choice(words)
        start = time.perf_counter()
        await store.search.random_match(text, guild_id=None, channel_id=1)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), percentile(samples, 0.99)


async def measure(
    engine: str, make_target: Callable[[str], str], reviews: list[ReviewDraft], repeats: int
) -> list[str]:
    lines = [f"### {engine}", ""]
    without = await import_seconds(make_target("without"), reviews, with_index=False)
    target = make_target("with")
    with_index = await import_seconds(target, reviews, with_index=True)
    cpu_note = (
        f" (CPU {without[1]:.1f} s and {with_index[1]:.1f} s, {with_index[1] / without[1]:.2f}×)"
        if engine == "SQLite"
        else ""
    )
    lines.append(
        f"Import of {len(reviews):,} reviews into a new database: {without[0]:.1f} s without "
        f"the search index, {with_index[0]:.1f} s with it ({with_index[0] / without[0]:.2f}×)"
        f"{cpu_note}."
    )
    sizes = (
        sqlite_index_bytes(Path(target))
        if engine == "SQLite"
        else await postgresql_index_bytes(target)
    )
    parts = ", ".join(f"{name} {size / 2**20:.0f} MiB" for name, size in sizes.items())
    lines.append(f"Search index on disk: {parts}.")
    in_process = engine == "SQLite"
    lines += [
        "",
        "| query | filters | matches (median) | p50 ms | p99 ms | CPU p50 ms | CPU p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    async with await Store.open(target) as store:
        for case in query_cases(reviews):
            for label, filters in (("none", ReviewFilters()), ("Drama, ≥ 7", FILTERS)):
                found = await latencies(store, case, filters, repeats)
                cpu_cells = f"{found.cpu_p50:.1f} | {found.cpu_p99:.1f}" if in_process else "– | –"
                lines.append(
                    f"| {case.name} | {label} | {found.matches:,.0f} | {found.p50:.1f} "
                    f"| {found.p99:.1f} | {cpu_cells} |"
                )
        p50, p99 = await random_match_latency(store, repeats)
        lines.append(f"| `/random about:` one word | none | | {p50:.1f} | {p99:.1f} | | |")
    return [*lines, ""]


async def run(repeats: int, engines: list[str], count: int | None) -> str:
    reviews = with_texts(movie_reviews()[:count])
    lines = [
        f"Catalog: {len(reviews):,} reviews, texts of "
        f"{statistics.mean(len(review.body.split()) for review in reviews):.0f} words on "
        f"average. Filters: genre Drama, min_score 7. Load average before: "
        f"{os.getloadavg()[0]:.1f}.",
        "",
    ]
    with tempfile.TemporaryDirectory() as folder:
        if "sqlite" in engines:
            lines += await measure(
                "SQLite", lambda name: str(Path(folder) / f"{name}.db"), reviews, repeats
            )
        if "postgresql" in engines:
            server = PostgresServer.start()
            try:
                lines += await measure(
                    "PostgreSQL", lambda name: server.create_database(name), reviews, repeats
                )
            finally:
                server.stop()
    lines.append(f"Load average after: {os.getloadavg()[0]:.1f}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=200, help="searches per row")
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--count", type=int, default=None, help="only the first N films")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    table = asyncio.run(run(args.repeats, args.engines, args.count))
    print(table)
    if args.write_docs:
        replace_section(Path("docs/benchmarks.md"), "search", table)


if __name__ == "__main__":
    main()
