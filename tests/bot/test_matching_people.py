"""People filters: a surname, a run of a name's words or a misspelt name finds the person."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching.people import PeopleIndex, person_key
from tests.conftest import max_examples

# (name, how many reviews carry it), as store.insights.term_names lists them.
DIRECTORS = [
    ("Christopher Nolan", 9),
    ("Jonathan Nolan", 1),
    ("Michael Mann", 4),
    ("Denis Villeneuve", 6),
    ("Agnès Varda", 5),
    ("Francis Ford Coppola", 5),
    ("Sofia Coppola", 7),
]
CAST = [("Al Pacino", 12), ("Robert De Niro", 15), ("Robert Duvall", 6), ("Diane Keaton", 8)]


@pytest.fixture
def directors() -> PeopleIndex:
    return PeopleIndex(DIRECTORS)


@pytest.fixture
def cast() -> PeopleIndex:
    return PeopleIndex(CAST)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Christopher Nolan", "Christopher Nolan"),
        ("christopher nolan", "Christopher Nolan"),
        ("nolan", "Christopher Nolan"),  # the surname; the one with most films first
        ("jonathan nolan", "Jonathan Nolan"),
        ("villeneuve", "Denis Villeneuve"),
        ("VARDA", "Agnès Varda"),
        ("agnes varda", "Agnès Varda"),
        ("ford coppola", "Francis Ford Coppola"),
        ("denis", "Denis Villeneuve"),
        ("vileneuve", "Denis Villeneuve"),  # a slip in the surname
        ("christopher nolen", "Christopher Nolan"),
    ],
)
def test_a_director_is_found_by_name_surname_or_a_slip(
    directors: PeopleIndex, typed: str, name: str
) -> None:
    assert directors.resolve(typed) == name


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("pacino", "Al Pacino"),
        ("al pachino", "Al Pacino"),
        ("de niro", "Robert De Niro"),
        ("deniro", "Robert De Niro"),
        ("keaton", "Diane Keaton"),
    ],
)
def test_a_cast_member_is_found_by_surname_or_a_slip(
    cast: PeopleIndex, typed: str, name: str
) -> None:
    assert cast.resolve(typed) == name


@pytest.mark.parametrize("typed", ["spielberg", "zz", "", "   ", "robert robert robert"])
def test_someone_the_catalog_lacks_resolves_to_nobody(cast: PeopleIndex, typed: str) -> None:
    assert PeopleIndex(CAST).resolve(typed) is None


def test_complete_offers_names_with_a_word_starting_what_is_typed(
    directors: PeopleIndex,
) -> None:
    assert directors.complete("nol") == ["Christopher Nolan", "Jonathan Nolan"]
    assert directors.complete("copp") == ["Sofia Coppola", "Francis Ford Coppola"]
    assert directors.complete("vilenuve") == ["Denis Villeneuve"]  # nothing starts so: fuzzy
    assert len(directors.complete("", limit=3)) == 3


def test_person_key_folds_case_accents_and_punctuation() -> None:
    assert person_key("Agnès  VARDA") == "agnes varda"
    assert person_key("Robert De Niro, Jr.") == "robert de niro jr"


names = st.lists(
    st.tuples(st.text(min_size=1, max_size=30), st.integers(1, 50)), min_size=1, max_size=20
)


@given(names, st.text(max_size=200))
@settings(max_examples=max_examples(150))
def test_whatever_is_typed_resolves_to_a_catalog_name_or_nobody(
    people: list[tuple[str, int]], typed: str
) -> None:
    index = PeopleIndex(people)
    catalog_names = {name for name, _ in people}
    resolved = index.resolve(typed)
    assert resolved is None or resolved in catalog_names
    assert set(index.complete(typed)) <= catalog_names
    assert len(index.complete(typed)) <= 25


@given(names)
@settings(max_examples=max_examples(100))
def test_every_name_typed_in_full_resolves_to_someone_with_that_key(
    people: list[tuple[str, int]],
) -> None:
    index = PeopleIndex(people)
    for name, _ in people:
        if person_key(name):
            resolved = index.resolve(name)
            assert resolved is not None
            assert person_key(resolved) == person_key(name)
