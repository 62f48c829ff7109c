"""Title matching: normalisation rules, every query category, edits, scopes."""

from __future__ import annotations

import random

import pytest

from bot.matching import (
    Match,
    ScopedTitleIndex,
    TitleEntry,
    TitleIndex,
    normalize_title,
    split_year,
)

# (review_id, title, year): well-known films, stored the way catalogs store them.
FILMS: list[tuple[int, str, int]] = [
    (1, "Dark Knight, The", 2008),
    (2, "Amélie", 2001),
    (3, "The Godfather", 1972),
    (4, "The Godfather Part II", 1974),
    (5, "Heat", 1995),
    (6, "Heat", 1986),
    (7, "Arrival", 2016),
    (8, "Arrival", 1980),
    (9, "All of Us Strangers", 2023),
    (10, "Se7en", 1995),
    (11, "WALL·E", 2008),
    (12, "Léon: The Professional", 1994),
    (13, "Crouching Tiger, Hidden Dragon", 2000),
    (14, "Eternal Sunshine of the Spotless Mind", 2004),
    (15, "Rocky", 1976),
    (16, "Rocky II", 1979),
    (17, "I Am Legend", 2007),
    (18, "Star Wars: Episode IV - A New Hope", 1977),
    (19, "Star Wars: Episode V - The Empire Strikes Back", 1980),
    (20, "Die Hard", 1988),
    (21, "Blade Runner", 1982),
    (22, "Blade Runner 2049", 2017),
    (23, "Fast & Furious", 2009),
    (24, "Spirited Away", 2001),
    (25, "Parasite", 2019),
    (26, "The Matrix", 1999),
    (27, "Back to the Future", 1985),
    (28, "Back to the Future Part II", 1989),
    (29, "Schindler's List", 1993),
    (30, "1984", 1984),
    (31, "2001: A Space Odyssey", 1968),
    (32, "Malcolm X", 1992),
    (33, "Boot, Das", 1981),
    (34, "Avventura, L'", 1960),
    (35, "Who Am I?", 1998),
]
BY_ID = {review_id: (title, year) for review_id, title, year in FILMS}


@pytest.fixture
def index() -> TitleIndex:
    built = TitleIndex()
    built.add_many(FILMS)
    return built


def top_id(index: TitleIndex, query: str) -> int | None:
    found = index.search(query)
    return found[0].review_id if found else None


def ids(matches: list[Match]) -> list[int]:
    return [match.review_id for match in matches]


# --------------------------------------------------------------------------
# normalize_title, one rule at a time
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("THE MATRIX", "matrix"),
        ("tHe MaTrIx", "matrix"),
        ("  The \t  Matrix\n", "matrix"),
        ("Fast & Furious", "fast and furious"),
        ("Fast and Furious", "fast and furious"),
    ],
    ids=["upper", "mixed case", "whitespace", "ampersand", "and"],
)
def test_normalize_folds_case_whitespace_and_ampersand(text: str, expected: str) -> None:
    assert normalize_title(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Amélie", "amelie"),
        ("Léon", "leon"),
        ("Crème Brûlée", "creme brulee"),
        ("Pokémon", "pokemon"),
        ("Ñandú", "nandu"),
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("Ærø", "aero"),
        ("Øst", "ost"),
        ("Œdipe", "oedipe"),
        ("Łódź", "lodz"),
        ("ǅemal", "dzemal"),
        ("Ｔｏｋｙｏ", "tokyo"),
        ("ﬁsh", "fish"),
    ],
)
def test_normalize_strips_accents_and_special_letters(text: str, expected: str) -> None:
    assert normalize_title(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Schindler’s List", "schindlers list"),
        ("Schindler's List", "schindlers list"),
        ("Schindler`s List", "schindlers list"),
        ("Léon: The Professional", "leon the professional"),
        ("Star Wars: Episode IV – A New Hope", "star wars episode 4 a new hope"),
        ("“Crocodile” Dundee", "crocodile dundee"),
        ("Crouching Tiger, Hidden Dragon", "crouching tiger hidden dragon"),
        ("Sabotage!", "sabotage"),
        ("Dr. Strangelove", "dr strangelove"),
    ],
)
def test_normalize_unifies_quotes_and_drops_punctuation(text: str, expected: str) -> None:
    assert normalize_title(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WALL·E", "walle"),
        ("WALL-E", "walle"),
        ("walle", "walle"),
        ("C.H.U.D.", "chud"),
        ("c h u d", "chud"),
        ("E.T. the Extra-Terrestrial", "et the extra terrestrial"),
        ("Spider-Man", "spider man"),
    ],
)
def test_normalize_joins_spelled_out_and_glued_letters(text: str, expected: str) -> None:
    assert normalize_title(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ma\u200btrix", "matrix"),  # zero-width space
        ("\u202eMatrix\u202c", "matrix"),  # right-to-left override
        ("Mat\u00adrix", "matrix"),  # soft hyphen
        ("\ufeffMatrix", "matrix"),  # byte-order mark
        ("Ame\u0301lie", "amelie"),  # decomposed accent
        ("Heat\u0308\u0308", "heat"),  # stacked combining marks
    ],
)
def test_normalize_removes_invisible_characters(text: str, expected: str) -> None:
    assert normalize_title(text) == expected


@pytest.mark.parametrize(
    ("catalog", "spoken"),
    [
        ("Dark Knight, The", "The Dark Knight"),
        ("Bug's Life, A", "A Bug's Life"),
        ("American Werewolf in London, An", "An American Werewolf in London"),
        ("Avventura, L'", "L'Avventura"),
        ("Boot, Das", "Das Boot"),
        ("Haine, La", "La Haine"),
        ("Untergang, Der", "Der Untergang"),
        ("Postino, Il", "Il Postino"),
    ],
)
def test_normalize_treats_catalog_and_spoken_article_order_alike(catalog: str, spoken: str) -> None:
    assert normalize_title(catalog) == normalize_title(spoken)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Matrix", "matrix"),
        ("A Bug's Life", "bugs life"),
        ("An Education", "education"),
        ("Le Samouraï", "samourai"),
        ("La Haine", "haine"),
        ("Les Misérables", "miserables"),
        ("L'Atalante", "atalante"),
        ("El Topo", "topo"),
        ("Los Olvidados", "olvidados"),
        ("Las Hurdes", "hurdes"),
        ("Der Untergang", "untergang"),
        ("Die Blechtrommel", "blechtrommel"),
        ("Das Boot", "boot"),
        ("Il Postino", "postino"),
        ("Lo Chiamavano Trinità", "chiamavano trinita"),
        ("Gli Indifferenti", "indifferenti"),
        ("De Lift", "lift"),
        ("Het Meisje", "meisje"),
    ],
)
def test_normalize_drops_leading_articles_in_several_languages(text: str, expected: str) -> None:
    assert normalize_title(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The", "the"),
        ("A", "a"),
        ("The The", "the"),
        ("Movie, The", "movie"),
        ("Theater", "theater"),
        ("Anaconda", "anaconda"),
    ],
)
def test_normalize_keeps_articles_that_are_the_whole_title_or_a_word_part(
    text: str, expected: str
) -> None:
    assert normalize_title(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Godfather Part II", "godfather 2"),
        ("The Godfather: Part II", "godfather 2"),
        ("Godfather II", "godfather 2"),
        ("godfather 2", "godfather 2"),
        ("The Godfather Pt. 2", "godfather 2"),
        ("Back to the Future Part Three", "back to the future 3"),
        ("Rocky II", "rocky 2"),
        ("Rocky IV", "rocky 4"),
        ("Rocky V", "rocky 5"),
        ("Richard III", "richard 3"),
        ("Friday the 13th Part VIII", "friday the 13th 8"),
        ("Star Wars: Episode I - The Phantom Menace", "star wars episode 1 the phantom menace"),
        ("Kill Bill: Vol. 1", "kill bill vol 1"),
        ("Kill Bill: Volume 1", "kill bill vol 1"),
        ("Malcolm X", "malcolm 10"),
    ],
)
def test_normalize_turns_sequel_numerals_into_digits(text: str, expected: str) -> None:
    assert normalize_title(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I Am Legend", "i am legend"),
        ("I, Robot", "i robot"),
        ("Who Am I?", "who am i"),
        ("Mix", "mix"),
        ("Mix Tape", "mix tape"),
        ("Dix pour cent", "dix pour cent"),
        ("Civil War", "civil war"),
        ("V for Vendetta", "v for vendetta"),
        ("X-Men", "x men"),
        ("Vivid", "vivid"),
        ("Mild Mild West", "mild mild west"),
        ("Part Time", "part time"),
    ],
)
def test_normalize_leaves_words_that_only_look_like_numerals(text: str, expected: str) -> None:
    assert normalize_title(text) == expected


@pytest.mark.parametrize("text", ["$", "!!!", "?"])
def test_normalize_keeps_a_key_for_symbol_only_titles(text: str) -> None:
    assert normalize_title(text) == text


def test_normalize_gives_empty_key_for_blank_text() -> None:
    assert normalize_title("  \t ") == ""


# --------------------------------------------------------------------------
# split_year
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("heat 1995", ("heat", 1995)),
        ("heat (1995)", ("heat", 1995)),
        ("heat [1995]", ("heat", 1995)),
        ("heat, 1995", ("heat", 1995)),
        ("Heat - 1995", ("Heat", 1995)),
        ("  heat   (1995)  ", ("heat", 1995)),
        ("blade runner 2049", ("blade runner 2049", None)),  # no film is from 2049 yet
        ("heat 1986", ("heat", 1986)),
        ("heat", ("heat", None)),
        ("1984", ("1984", None)),
        ("2001", ("2001", None)),
        ("heat 3000", ("heat 3000", None)),
        ("heat 1066", ("heat 1066", None)),
        ("heat 95", ("heat 95", None)),
        ("heat 19955", ("heat 19955", None)),
    ],
)
def test_split_year_splits_only_a_plausible_trailing_year(
    query: str, expected: tuple[str, int | None]
) -> None:
    assert split_year(query) == expected


# --------------------------------------------------------------------------
# search: every query category
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("review_id", "title", "year"), FILMS)
def test_search_finds_every_title_typed_exactly(
    index: TitleIndex, review_id: int, title: str, year: int
) -> None:
    best = index.search(title)[0]
    assert best.key == normalize_title(title)
    assert best.review_id == review_id or BY_ID[best.review_id][0] == title


@pytest.mark.parametrize(
    ("query", "review_id"),
    [
        ("the dark knight", 1),
        ("THE DARK KNIGHT", 1),
        ("eternal sunshine of the spotless mind", 14),
        ("schindler's list", 29),
    ],
)
def test_search_ignores_case(index: TitleIndex, query: str, review_id: int) -> None:
    assert top_id(index, query) == review_id


@pytest.mark.parametrize(
    "query", ["The Dark Knight", "Dark Knight", "dark knight, the", "Dark Knight, The"]
)
def test_search_finds_a_title_with_its_article_moved_or_dropped(
    index: TitleIndex, query: str
) -> None:
    assert top_id(index, query) == 1


@pytest.mark.parametrize(
    ("query", "review_id"),
    [
        ("amelie", 2),
        ("AMELIE", 2),
        ("Amèlie", 2),
        ("leon the professional", 12),
        ("boot", 33),
        ("das boot", 33),
        ("l'avventura", 34),
    ],
)
def test_search_ignores_accents_and_foreign_articles(
    index: TitleIndex, query: str, review_id: int
) -> None:
    assert top_id(index, query) == review_id


@pytest.mark.parametrize(
    ("query", "review_id"),
    [
        ("walle", 11),
        ("wall e", 11),
        ("wall-e", 11),
        ("schindlers list", 29),
        ("crouching tiger hidden dragon", 13),
        ("star wars episode iv a new hope", 18),
        ("fast and furious", 23),
        ("fast furious", 23),
        ("se7en", 10),
    ],
)
def test_search_ignores_punctuation(index: TitleIndex, query: str, review_id: int) -> None:
    assert top_id(index, query) == review_id


@pytest.mark.parametrize(
    ("query", "review_id"),
    [
        ("all of us strangrs", 9),
        ("parasitte", 25),
        ("spirted away", 24),
        ("eternal sunshine of the spotles mind", 14),
        ("crouchng tiger, hiden dragon", 13),
        ("back to the futrue", 27),
        ("the godfahter", 3),
    ],
)
def test_search_forgives_one_or_two_typos(index: TitleIndex, query: str, review_id: int) -> None:
    assert top_id(index, query) == review_id


@pytest.mark.parametrize(
    ("query", "review_id"),
    [
        ("eternal sunshine of", 14),
        ("eternal sunshine", 14),
        ("crouching tiger", 13),
        ("star wars episode v", 19),
        ("all of us", 9),
    ],
)
def test_search_finds_a_long_title_from_its_first_words(
    index: TitleIndex, query: str, review_id: int
) -> None:
    assert top_id(index, query) == review_id


@pytest.mark.parametrize(
    ("query", "review_id"),
    [
        ("godfather 2", 4),
        ("the godfather part ii", 4),
        ("godfather part 2", 4),
        ("godfather ii", 4),
        ("godfather", 3),
        ("rocky 2", 16),
        ("rocky ii", 16),
        ("rocky", 15),
        ("back to the future 2", 28),
        ("back to the future part two", 28),
        ("star wars episode 4", 18),
        ("i am legend", 17),
        ("who am i", 35),
        ("malcolm x", 32),
    ],
)
def test_search_matches_sequel_numbers_however_written(
    index: TitleIndex, query: str, review_id: int
) -> None:
    assert top_id(index, query) == review_id


@pytest.mark.parametrize(
    ("query", "review_id"),
    [
        ("heat 1995", 5),
        ("heat (1995)", 5),
        ("heat 1986", 6),
        ("Heat [1986]", 6),
        ("arrival 1980", 8),
        ("arrival (2016)", 7),
        ("the dark knight 2008", 1),
        ("blade runner 1982", 21),
    ],
)
def test_search_prefers_the_year_the_query_gives(
    index: TitleIndex, query: str, review_id: int
) -> None:
    assert top_id(index, query) == review_id


def test_search_reads_a_year_that_is_part_of_the_title_as_title(index: TitleIndex) -> None:
    assert top_id(index, "blade runner 2049") == 22
    assert top_id(index, "1984") == 30
    assert top_id(index, "2001 a space odyssey") == 31


def test_search_with_a_wrong_year_still_finds_the_title(index: TitleIndex) -> None:
    assert top_id(index, "amelie 1999") == 2


def test_search_ranks_the_literal_title_above_one_equal_only_without_its_article() -> None:
    index = TitleIndex()
    index.add(1, "Die Hard", 1988)
    index.add(2, "Hard", 1998)
    assert top_id(index, "die hard") == 1
    assert top_id(index, "hard") == 2


@pytest.mark.parametrize(
    "query",
    [
        "qwzx plorf",
        "asdf ghjk",
        "zzzzzzzz",
        "spreadsheet toaster",
        "purple helicopter invoice",
        "xkcd",
        "",
        "   ",
        "!!!",
    ],
)
def test_search_returns_nothing_for_queries_that_name_no_film(
    index: TitleIndex, query: str
) -> None:
    assert index.search(query) == []


def test_search_returns_at_most_limit_results_best_first(index: TitleIndex) -> None:
    several = index.search("star wars episode", limit=10)
    assert len(several) >= 2
    assert [m.score for m in several] == sorted((m.score for m in several), reverse=True)
    assert len(index.search("star wars episode", limit=1)) == 1
    assert len(index.search("heat", limit=1)) == 1
    assert index.search("heat", limit=0) == []


def test_search_result_carries_title_year_and_score(index: TitleIndex) -> None:
    best = index.search("heat 1995")[0]
    assert (best.title, best.year, best.score) == ("Heat", 1995, 100.0)
    assert best.query_year == 1995


def test_search_returns_one_match_per_review_even_when_aliases_match() -> None:
    index = TitleIndex()
    index.add(1, "Se7en", 1995, aliases=["Seven", "Se7en", "Seven (film)"])
    index.add(2, "Seventh Seal, The", 1957)
    found = index.search("seven")
    assert ids(found).count(1) == 1
    assert found[0].review_id == 1
    assert found[0].title == "Se7en"


def test_search_finds_a_review_by_its_alias() -> None:
    index = TitleIndex()
    index.add(1, "Léon: The Professional", 1994, aliases=["The Professional", "Leon"])
    assert top_id(index, "the professional") == 1
    assert top_id(index, "leon") == 1


# --------------------------------------------------------------------------
# complete
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "review_id"),
    [
        ("the dark kn", 1),
        ("dark kni", 1),
        ("etern", 14),
        ("eternal sunsh", 14),
        ("sunshine of the spot", 14),
        ("spotless", 14),
        ("crouchng tig", 13),
        ("all of us str", 9),
        ("amél", 2),
        ("star wars episode iv", 18),
        ("blade runner 20", 22),
    ],
)
def test_complete_finds_titles_from_what_has_been_typed(
    index: TitleIndex, typed: str, review_id: int
) -> None:
    assert review_id in ids(index.complete(typed, limit=5))


def test_complete_ranks_the_title_that_starts_with_the_text_first(index: TitleIndex) -> None:
    assert ids(index.complete("godf", limit=2)) == [3, 4]


def test_complete_of_empty_text_lists_the_first_titles_in_order(index: TitleIndex) -> None:
    first = index.complete("", limit=5)
    assert len(first) == 5
    keys = [match.key for match in first]
    assert keys == sorted(keys)
    assert keys[0] == min(normalize_title(title) for _, title, _ in FILMS)
    assert index.complete("   ", limit=5) == first


def test_complete_respects_limit(index: TitleIndex) -> None:
    assert len(index.complete("a", limit=2)) <= 2
    assert len(index.complete("", limit=100)) == len(FILMS)
    assert index.complete("heat", limit=0) == []


def test_complete_returns_nothing_for_gibberish(index: TitleIndex) -> None:
    assert index.complete("qwzx plorf") == []


# --------------------------------------------------------------------------
# add, remove, edit
# --------------------------------------------------------------------------


def test_len_and_membership_follow_adds_and_removes(index: TitleIndex) -> None:
    assert len(index) == len(FILMS)
    assert 5 in index
    index.remove(5)
    assert 5 not in index
    assert len(index) == len(FILMS) - 1


def test_removed_film_is_never_returned(index: TitleIndex) -> None:
    index.remove(14)
    assert 14 not in ids(index.search("eternal sunshine of the spotless mind"))
    assert 14 not in ids(index.complete("eternal sun"))
    assert 14 not in ids(index.complete("", limit=100))


def test_removing_an_unknown_id_changes_nothing(index: TitleIndex) -> None:
    index.remove(999)
    index.remove(14)
    index.remove(14)
    assert len(index) == len(FILMS) - 1
    assert top_id(index, "parasite") == 25


def test_edited_title_is_found_under_the_new_name_and_not_the_old() -> None:
    index = TitleIndex()
    index.add(1, "Shawshank Redemption, The", 1994)
    index.add(2, "Heat", 1995)
    index.remove(1)
    index.add(1, "Zodiac", 2007)
    assert top_id(index, "zodiac") == 1
    assert index.search("shawshank redemption") == []
    assert index.complete("shawsh") == []
    assert top_id(index, "heat") == 2


def test_adding_an_existing_id_replaces_it() -> None:
    index = TitleIndex()
    index.add(1, "Heat", 1995)
    index.add(1, "Zodiac", 2007)
    assert len(index) == 1
    assert index.search("heat") == []
    assert index.search("zodiac")[0].year == 2007


def test_add_many_accepts_tuples_and_entries() -> None:
    index = TitleIndex()
    index.add_many([(1, "Heat"), (2, "Zodiac", 2007), (3, "Se7en", 1995, ["Seven"])])
    index.add_many([TitleEntry(4, "Parasite", 2019, ("Gisaengchung",))])
    assert [top_id(index, q) for q in ("heat", "zodiac", "seven", "gisaengchung")] == [1, 2, 3, 4]
    assert index.search("heat")[0].year is None


def test_bulk_and_one_at_a_time_builds_answer_the_same() -> None:
    one_by_one = TitleIndex()
    for review_id, title, year in FILMS:
        one_by_one.add(review_id, title, year)
    bulk = TitleIndex()
    bulk.add_many(FILMS)
    for query in ("heat", "godfather 2", "amelie", "star wars", "dark kn", "eternal sunsh", ""):
        assert one_by_one.search(query) == bulk.search(query)
        assert one_by_one.complete(query) == bulk.complete(query)


def test_index_stays_correct_through_many_random_edits() -> None:
    chooser = random.Random(7)
    words = ["red", "blue", "night", "river", "ghost", "summer", "city", "winter", "dragon"]
    index = TitleIndex()
    live: dict[int, str] = {}
    for step in range(400):
        review_id = chooser.randrange(60)
        if review_id in live and chooser.random() < 0.4:
            index.remove(review_id)
            del live[review_id]
        else:
            title = f"{' '.join(chooser.sample(words, 3))} {step}"
            index.add(review_id, title, 2000)
            live[review_id] = title
    assert len(index) == len(live)
    for review_id, title in live.items():
        assert top_id(index, title) == review_id
    listed = {match.review_id for match in index.complete("", limit=1000)}
    assert listed == set(live)


# --------------------------------------------------------------------------
# ambiguity
# --------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["heat", "arrival", "Heat"])
def test_same_title_with_different_years_and_no_year_given_is_ambiguous(
    index: TitleIndex, query: str
) -> None:
    found = index.search(query)
    assert {m.review_id for m in found[:2]} in ({5, 6}, {7, 8})
    assert index.is_ambiguous(found)


@pytest.mark.parametrize(("query", "review_id"), [("heat 1995", 5), ("arrival (1980)", 8)])
def test_a_year_in_the_query_settles_the_ambiguity(
    index: TitleIndex, query: str, review_id: int
) -> None:
    found = index.search(query)
    assert found[0].review_id == review_id
    assert not index.is_ambiguous(found)


@pytest.mark.parametrize("query", ["the dark knight", "godfather", "godfather 2", "amelie"])
def test_a_clear_best_match_is_not_ambiguous(index: TitleIndex, query: str) -> None:
    assert not index.is_ambiguous(index.search(query))


def test_close_scores_are_ambiguous_and_a_clear_gap_is_not(index: TitleIndex) -> None:
    close = [Match(1, 90.0, "Alpha", 2000, "alpha"), Match(2, 89.0, "Alpho", 2000, "alpho")]
    apart = [Match(1, 100.0, "Alpha", 2000, "alpha"), Match(2, 85.0, "Alpho", 2000, "alpho")]
    assert index.is_ambiguous(close)
    assert not index.is_ambiguous(apart)
    assert not index.is_ambiguous(close[:1])
    assert not index.is_ambiguous([])


# --------------------------------------------------------------------------
# scopes
# --------------------------------------------------------------------------

GUILD_A, GUILD_B = 111, 222


@pytest.fixture
def scoped() -> ScopedTitleIndex:
    built = ScopedTitleIndex()
    built.add(1, "Heat", 1995)
    built.add(2, "Zodiac", 2007)
    built.add(10, "Guild A Home Movie", 2020, scope=GUILD_A)
    built.add(20, "Guild B Home Movie", 2021, scope=GUILD_B)
    built.add(21, "Zodiac", 1970, scope=GUILD_B)
    return built


def test_a_guild_never_sees_another_guilds_reviews(scoped: ScopedTitleIndex) -> None:
    assert 20 not in ids(scoped.search("guild b home movie", GUILD_A))
    assert 21 not in ids(scoped.search("zodiac", GUILD_A))
    assert 20 not in ids(scoped.complete("guild", GUILD_A))
    assert 20 not in ids(scoped.complete("", GUILD_A, limit=100))
    assert 10 not in ids(scoped.search("guild a home movie", GUILD_B))


def test_every_guild_sees_the_global_reviews_and_its_own(scoped: ScopedTitleIndex) -> None:
    assert ids(scoped.search("heat", GUILD_A)) == [1]
    assert ids(scoped.search("heat", GUILD_B)) == [1]
    assert ids(scoped.search("guild a home movie", GUILD_A))[0] == 10
    assert set(ids(scoped.search("zodiac", GUILD_B))) == {2, 21}
    assert set(ids(scoped.complete("", GUILD_B, limit=100))) == {1, 2, 20, 21}


def test_outside_any_guild_only_global_reviews_are_visible(scoped: ScopedTitleIndex) -> None:
    assert ids(scoped.search("guild a home movie", None)) == []
    assert set(ids(scoped.complete("", None, limit=100))) == {1, 2}
    assert ids(scoped.search("heat", 999)) == [1]


def test_scoped_results_merge_by_score(scoped: ScopedTitleIndex) -> None:
    scoped.add(30, "Heath", 2001, scope=GUILD_A)
    found = scoped.search("heath", GUILD_A)
    assert ids(found)[0] == 30
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def test_scoped_remove_finds_the_right_scope(scoped: ScopedTitleIndex) -> None:
    scoped.remove(21)
    scoped.remove(999)
    assert ids(scoped.search("zodiac", GUILD_B)) == [2]
    assert 21 not in scoped
    assert len(scoped) == 4


def test_readding_an_id_in_another_scope_moves_it(scoped: ScopedTitleIndex) -> None:
    scoped.add(10, "Guild A Home Movie", 2020, scope=GUILD_B)
    assert ids(scoped.search("guild a home movie", GUILD_A)) == []
    assert ids(scoped.search("guild a home movie", GUILD_B))[0] == 10
    assert len(scoped) == 5


def test_scoped_same_title_in_global_and_guild_is_ambiguous(scoped: ScopedTitleIndex) -> None:
    found = scoped.search("zodiac", GUILD_B)
    assert scoped.is_ambiguous(found)
    assert not scoped.is_ambiguous(scoped.search("zodiac 2007", GUILD_B))


def test_scoped_add_many_places_each_review_in_its_scope() -> None:
    scoped = ScopedTitleIndex()
    scoped.add_many([(1, "Heat", 1995, (), None), (2, "Heat", 1986, ["Heat 86"], GUILD_A)])
    assert ids(scoped.search("heat", None)) == [1]
    assert set(ids(scoped.search("heat", GUILD_A))) == {1, 2}
    assert len(scoped) == 2


# --------------------------------------------------------------------------
# Say it only when sure (issue 13): exactness, numbers, rarity, middles
# --------------------------------------------------------------------------

# Films the members asked about, and the ones they were wrongly shown.
NEAR_NAMESAKES: list[tuple[int, str] | tuple[int, str, int]] = [
    (1, "Blade Runner", 1982),
    (2, "Tenement", 1985),
    (3, "The Strange Door", 1951),
    (4, "24 Hours", 2000),
    (5, "Barbie Nation: An Unauthorized Tour", 1998),
    (6, "The Cars That Ate Paris", 1974),
    (7, "Nanette", 1940),
    (8, "Brigadoon", 1954),
    (9, "Oldboy", 2003),
    (10, "Snow Day", 2000),
    (11, "In the Mood for Love", 2000),
    (12, "Heat", 1995),
    (13, "Between the Lies", 2001),
    (14, "Rocky", 1976),
    (15, "Rocky II", 1979),
    (16, "Between Friends", 1983),
    (17, "Lines of Wellington", 2012),
    # As in any real catalog, "the" is everywhere and "doctor" is a word of its own.
    *enumerate(
        [
            "The Night of the Hunter",
            "Lord of the Flies",
            "The Day of the Jackal",
            "Return of the Jedi",
            "Invasion of the Body Snatchers",
            "Singin' in the Rain",
            "The Man in the Moon",
            "Planet of the Apes",
            "Doctor Zhivago",
        ],
        start=18,
    ),
]


@pytest.fixture
def namesakes() -> TitleIndex:
    built = TitleIndex()
    built.add_many(NEAR_NAMESAKES)
    return built


@pytest.mark.parametrize(
    "query",
    ["blade runner 2049", "127 hours", "barbie", "cars", "doctor strange", "rocky 3"],
)
def test_a_film_the_catalog_lacks_gets_no_card(namesakes: TitleIndex, query: str) -> None:
    assert namesakes.search(query) == []


@pytest.mark.parametrize("query", ["atonement", "annette", "between the lines", "heat 1986"])
def test_a_near_namesake_is_never_presented_as_the_answer(
    namesakes: TitleIndex, query: str
) -> None:
    assert not any(match.exact for match in namesakes.search(query))


def test_another_catalog_word_is_not_a_typing_slip(namesakes: TitleIndex) -> None:
    # "lines" is a word of another title: the member means another film.
    assert namesakes.search("between the lines") == []


@pytest.mark.parametrize(
    ("query", "review_id"),
    [("brifadoom", 8), ("okdoby", 9), ("snoe dya", 10), ("rokcy ii", 15)],
)
def test_two_slips_in_a_short_title_still_find_it(
    namesakes: TitleIndex, query: str, review_id: int
) -> None:
    found = namesakes.search(query)
    assert found[0].review_id == review_id
    assert not found[0].exact


@pytest.mark.parametrize(
    ("query", "weak"),
    [
        ("brifadoom", True),  # one word, two slips: as often a film the catalog lacks
        ("okdoby", True),
        ("brigadon", False),  # one slip is sure enough for a closest-match card
        ("brigadoon", False),  # exact
        ("snoe dya", False),  # two slips over two words
    ],
)
def test_a_one_word_query_two_slips_from_a_title_is_weak(
    namesakes: TitleIndex, query: str, weak: bool
) -> None:
    found = namesakes.search(query)
    assert found[0].weak is weak


def test_a_run_of_words_from_the_middle_of_a_title_finds_it(namesakes: TitleIndex) -> None:
    found = namesakes.search("mood for love")
    assert found[0].review_id == 11
    assert not found[0].exact


def test_a_year_the_film_does_not_have_is_a_closest_match(namesakes: TitleIndex) -> None:
    found = namesakes.search("heat 1986")
    assert (found[0].review_id, found[0].exact) == (12, False)


@pytest.mark.parametrize(
    "query", ["heat", "Heat (1995)", "HEAT 1995", "the strange door", "Strange Door, The"]
)
def test_the_title_as_stored_is_exact(namesakes: TitleIndex, query: str) -> None:
    assert namesakes.search(query)[0].exact


def test_an_alias_typed_exactly_is_exact() -> None:
    index = TitleIndex()
    index.add(1, "Gisaengchung", 2019, aliases=["Parasite"])
    assert index.search("parasite")[0].exact
    assert not index.search("parasit")[0].exact


def test_the_sequel_number_must_agree(namesakes: TitleIndex) -> None:
    assert [m.review_id for m in namesakes.search("rocky 2")][:1] == [15]
    assert namesakes.search("rocky 2")[0].exact
    assert 15 not in [m.review_id for m in namesakes.search("rocky")][:1]


def test_one_word_is_not_enough_of_a_long_title(namesakes: TitleIndex) -> None:
    assert namesakes.search("barbie") == []
    assert namesakes.search("barbie nation")[0].review_id == 5


def test_exact_finds_only_a_title_or_alias_as_typed(index: TitleIndex) -> None:
    assert [m.review_id for m in index.exact("The Dark Knight")] == [1]
    assert index.exact("dark knigth") == []
    assert index.exact("eternal sunshine") == []  # the opening words are not the title
    assert {m.review_id for m in index.exact("heat")} == {5, 6}
    assert index.exact("heat 1995") == []  # no year reading: "heat 1995" is not a title
    assert all(m.exact for m in index.exact("heat"))


def test_exact_prefers_the_literal_title_to_one_equal_only_without_its_article() -> None:
    index = TitleIndex()
    index.add_many([(1, "Die Hard", 1988), (2, "Hard", 2010)])
    assert [m.review_id for m in index.exact("die hard")] == [1, 2]
    assert [m.review_id for m in index.exact("hard")] == [2, 1]
