"""Reading a search as web-search syntax, and writing it for each engine: no text a member
types can be an FTS5 syntax error, and both engines match what the query says."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.matching.query import (
    MAX_QUERY_CHARS,
    MAX_TERMS,
    QUOTES,
    STOP_WORDS,
    Clause,
    SearchQuery,
    Term,
    Tier,
    fold,
    looks_like_title,
    parse_query,
    words_of,
)
from bot.models import ReviewDraft, film_key, identity_key
from bot.store import MIGRATIONS, Store
from bot.store.postgres.search import websearch_text
from bot.store.sqlite.search import CARD_COLUMN_FILTER, TITLE_COLUMN_FILTER, match_expression
from tests.conftest import max_examples
from tests.reliability.checks import hostile_text, weighted


def clause(
    *required: str | tuple[str, ...], excluded: tuple[str | tuple[str, ...], ...] = ()
) -> Clause:
    def term(words: str | tuple[str, ...]) -> Term:
        return Term((words,) if isinstance(words, str) else words)

    return Clause(tuple(map(term, required)), tuple(map(term, excluded)))


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("ghost london", [clause("ghost", "london")]),
        ('a "ghost story" set in London', [clause(("ghost", "story"), "set", "London")]),
        ("grief -weepie", [clause("grief", excluded=("weepie",))]),
        ('grief -"feel good"', [clause("grief", excluded=(("feel", "good"),))]),
        ("ghost or haunted london", [clause("ghost"), clause("haunted", "london")]),
        (
            "anything about grief that isn't a weepie",
            [clause("anything", "grief", "isn", "weepie")],
        ),
        ("sci-fi noir", [clause(("sci", "fi"), "noir")]),
        ("andrew scott's films", [clause("andrew", "scott", "films")]),
        ("“curly quotes” ahead", [clause(("curly", "quotes"), "ahead")]),
        ('"unclosed phrase at the end', [clause(("unclosed", "phrase", "at", "the", "end"))]),
        ("-grief", []),
        ("or grief or", [clause("grief")]),
        ('"the" grief "is it" İ', [clause("grief")]),
        ("the and of", []),
        ("- - -- ( ) * : ^ + NEAR/2 AND", [clause(("NEAR", "2"))]),
        ("Café Amélie", [clause("Café", "Amélie")]),
        ("e\u0301te\u0301", [clause("été")]),  # combining accents are composed first
    ],
)
def test_web_search_syntax_is_read_as_postgresql_reads_it(text: str, clauses: list[Clause]) -> None:
    assert parse_query(text) == SearchQuery(tuple(clauses))


def test_a_query_is_bounded_in_length_and_terms() -> None:
    many = " ".join(f"word{n}" for n in range(100))
    assert len(parse_query(many).required_words()) == MAX_TERMS
    assert parse_query("x" * MAX_QUERY_CHARS + " grief").is_empty is False
    assert "grief" not in parse_query("x" * MAX_QUERY_CHARS + " grief").required_words()


def test_words_are_cut_as_sqlite_unicode61_cuts_them() -> None:
    assert words_of("don't stop-motion_now 2049 ½") == [
        "don",
        "t",
        "stop",
        "motion",
        "now",
        "2049",
        "½",
    ]


def test_each_engine_gets_the_same_structure_in_its_own_syntax() -> None:
    query = parse_query('ghost "london house" -grief or paris')
    assert match_expression(query) == '(("ghost" AND "london house") NOT "grief") OR ("paris")'
    assert websearch_text(query) == 'ghost "london house" -grief or paris'
    positive = '(("ghost" AND "london house") OR ("paris"))'
    on_card, on_title = f"{CARD_COLUMN_FILTER}: {positive}", f"{TITLE_COLUMN_FILTER}: {positive}"
    everything = match_expression(query)
    assert match_expression(query, Tier.TITLE) == f"({on_title}) AND ({everything})"
    assert match_expression(query, Tier.CARD) == (
        f"(({on_card}) NOT ({on_title})) AND ({everything})"
    )
    assert match_expression(query, Tier.TEXT) == f"({everything}) NOT ({on_card})"
    # Without exclusions, holding the words on the title is matching: one index read.
    assert match_expression(parse_query("paris"), Tier.TITLE) == (
        f'{TITLE_COLUMN_FILTER}: (("paris"))'
    )


# -- never a syntax error ------------------------------------------------------------------------

SYNTAX = st.sampled_from(
    [
        '"',
        "“",
        "”",
        "-",
        "--",
        "(",
        ")",
        "*",
        ":",
        "^",
        "+",
        "{",
        "}",
        "[",
        "]",
        ",",
        "'",
        " OR ",
        " or ",
        " AND ",
        " NOT ",
        " NEAR ",
        "NEAR(",
        "title:",
        "{title}:",
        "\\",
        "\x00",
        "\u0301",
        "\u200b",
        "ǅ",
        "ß",
        "İ",
        "ﬁ",
        "²",
        "٣",
        "漢字",
        "🎬",
        "\U000f0000",
        " ",
    ]
)
QUERY_TEXT = weighted(
    (
        3,
        st.lists(
            st.one_of(SYNTAX, st.sampled_from(["ghost", "grief", "london", "Café"])), max_size=16
        ).map("".join),
    ),
    (2, hostile_text()),
    (1, st.text(max_size=400)),
)


@pytest.fixture(scope="module")
def fts5() -> Iterator[sqlite3.Connection]:
    """An in-memory catalog at the latest schema with a review in its search index."""
    db = sqlite3.connect(":memory:")
    db.create_function("review_identity", 3, identity_key, deterministic=True)
    db.create_function("review_film", 2, film_key, deterministic=True)
    for migration in MIGRATIONS:
        db.executescript(migration.sql)
    db.execute(
        "INSERT INTO reviews (scope, title, title_key, identity, film_key, year, body, "
        "created_at, updated_at) VALUES (0, 'Ghost', 'ghost', 'g', 'g', 2001, "
        "'a ghost in london, grief and a café', 'x', 'x')"
    )
    yield db
    db.close()


@settings(max_examples=max_examples(3000))
@given(text=QUERY_TEXT)
def test_no_query_text_is_an_fts5_syntax_error(fts5: sqlite3.Connection, text: str) -> None:
    query = parse_query(text)
    if query.is_empty:
        return
    for tier in Tier:
        expression = match_expression(query, tier)
        fts5.execute(
            "SELECT rowid FROM search_index WHERE search_index MATCH ?", [expression]
        ).fetchall()
        # Nothing but quoted strings, the card's column filter, operators and brackets.
        bare = re.sub(r'"(?:[^"]|"")*"', " ", expression)
        for column_filter in (CARD_COLUMN_FILTER, TITLE_COLUMN_FILTER):
            bare = bare.replace(f"{column_filter}:", " ")
        tokens = bare.replace("(", " ( ").replace(")", " ) ").split()
        assert set(tokens) <= {"AND", "OR", "NOT", "(", ")"}, expression


# -- both engines match what the query says ------------------------------------------------------

WORDS = ["ghost", "london", "grief", "paris", "summer", "river"]
BODIES = [
    "ghost london grief",
    "london ghost",
    "paris summer river",
    "grief summer ghost london",
    "river",
    "summer paris grief ghost",
    "london paris",
    "ghost ghost river summer",
]


def reference_matches(query: SearchQuery, title: str, body: str) -> bool:
    """What the query says, evaluated on the words of the title and body directly."""
    fields = [title.casefold().split(), body.split()]

    def holds(term: Term) -> bool:
        wanted = [word.casefold() for word in term.words]
        return any(
            words[at : at + len(wanted)] == wanted for words in fields for at in range(len(words))
        )

    return any(
        all(map(holds, c.required)) and not any(map(holds, c.excluded)) for c in query.clauses
    )


@pytest.fixture
async def corpus(database: str) -> AsyncIterator[Store]:
    async with await Store.open(database) as store:
        # Nothing but a title and the body to match, so the reference sees every word.
        await store.writes.import_reviews(
            [
                ReviewDraft(f"Film {n}", 2000 + n, score=5.0, body=body)
                for n, body in enumerate(BODIES)
            ],
            actor_id=None,
        )
        yield store


QUERY_PARTS = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(WORDS).map(str.upper),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(lambda w: '"' + " ".join(w) + '"'),
    st.sampled_from(WORDS).map(lambda word: f"-{word}"),
    st.just("or"),
    SYNTAX,
)


@settings(
    max_examples=max_examples(300),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parts=st.lists(QUERY_PARTS, max_size=8))
async def test_both_engines_find_exactly_the_reviews_the_query_describes(
    corpus: Store, parts: list[str]
) -> None:
    text = " ".join(parts)
    query = parse_query(text)
    # PostgreSQL lets any word stand in a phrase where a stop word was; SQLite does not.
    assume(
        not any(
            term.is_phrase and any(fold(word) in STOP_WORDS for word in term.words)
            for clause in query.clauses
            for term in (*clause.required, *clause.excluded)
        )
    )
    page = await corpus.search.search(text, guild_id=None)
    query = query.replaced({c.typed: c.searched for c in page.corrections})
    if page.relaxed:  # no review held every word: those holding any of them, most first
        query = query.relaxed()
    expected = {
        f"Film {n}" for n, body in enumerate(BODIES) if reference_matches(query, f"Film {n}", body)
    }
    assert {hit.review.title for hit in page.hits} == expected, (text, query)
    assert page.total == len(expected)


@pytest.mark.parametrize(
    ("text", "title_like"),
    [
        ("moonlight", True),
        ("all of us strangers", True),
        ('"the florida project"', True),
        ("ghost -london", False),  # an exclusion is search syntax
        ("ghost OR london", False),  # so is a choice between words
        ("what did we say about the quiet ghost in that london flat", False),  # a question
        ("!!!", False),
    ],
)
def test_a_query_reads_like_a_title_when_it_is_a_few_plain_words(
    text: str, title_like: bool
) -> None:
    assert looks_like_title(text) is title_like


@given(
    st.text(st.characters(blacklist_characters=QUOTES), max_size=40),
    st.text(alphabet="bcdfgk", min_size=3, max_size=8),
)
def test_a_query_excluding_a_word_never_reads_like_a_title(text: str, word: str) -> None:
    # Outside quotes (inside them "-word" is part of a phrase).
    assert not looks_like_title(f"{text} -{word}")
