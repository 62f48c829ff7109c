"""Review requests on both engines: entries per film, limits, the /wanted queue, answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog import Catalog
from bot.matching.demand import is_noise, names_nothing, slips_apart, spelling, titled
from bot.models import Moderator
from bot.store.requests import MAX_OPEN_PER_MEMBER, EntryGone
from tests.conftest import make_review

GUILD = 111
OTHER_GUILD = 222
SAM = Moderator(7, "Sam")


@pytest.fixture
async def catalog(database: str) -> AsyncIterator[Catalog]:
    opened = await Catalog.open(database)
    await opened.curation.add(make_review("Heat", 1995), actor_id=None)
    yield opened
    await opened.close()


async def test_spellings_of_one_film_make_one_entry_once_per_member(catalog: Catalog) -> None:
    book = catalog.requests
    for member, typed in ((1, "moonlite"), (2, "moonlight"), (3, "Moonlight 2016")):
        assert (await book.request(GUILD, member, typed)).outcome == "recorded"
    assert (await book.request(GUILD, 1, "MOONLIGHT")).outcome == "already requested"
    (row,) = await book.queue(GUILD)
    assert (row.title, row.requesters) == ("moonlite", 3)
    assert row.spellings == ("moonlite", "moonlight", "Moonlight 2016")
    assert row.first_asked <= row.last_asked
    assert await book.queue(OTHER_GUILD) == []  # never visible across servers


async def test_requests_for_what_the_catalog_has_or_no_title_are_not_recorded(
    catalog: Catalog,
) -> None:
    reviewed = await catalog.requests.request(GUILD, 1, "heat")
    assert reviewed.outcome == "reviewed"
    assert reviewed.review is not None and reviewed.review.title == "Heat"
    assert (await catalog.requests.request(GUILD, 1, "the")).outcome == "not a title"
    assert (await catalog.requests.request(GUILD, 1, "1917")).outcome == "recorded"


async def test_wanted_ranks_requests_then_misses_and_drops_noise_and_titles_in_the_catalog(
    catalog: Catalog,
) -> None:
    for query in ("the", "a", "2019", "x", "Solaris", "solaris", "Stalker", "Heat"):
        await catalog.insights.record_miss(GUILD, query)
    await catalog.requests.request(GUILD, 1, "Zerkalo")
    queue = await catalog.requests.queue(GUILD)
    assert [(row.title, row.requesters, row.misses) for row in queue] == [
        ("Zerkalo", 1, 0),
        ("solaris", 0, 2),  # one key, counted twice; the latest spelling shown
        ("Stalker", 0, 1),
    ]
    await catalog.curation.add(make_review("Stalker", 1979), actor_id=None)
    assert "Stalker" not in [row.title for row in await catalog.requests.queue(GUILD)]


async def test_members_list_and_cancel_only_their_own_requests(catalog: Catalog) -> None:
    book = catalog.requests
    await book.request(GUILD, 1, "Zerkalo")
    await book.request(GUILD, 2, "Zerkalo")
    (mine,) = await book.open_for(GUILD, 1)
    assert (mine.query, mine.state) == ("Zerkalo", "open")
    assert await book.open_for(OTHER_GUILD, 1) == []
    assert not await book.cancel(GUILD, 2, mine.id)  # someone else's
    assert not await book.cancel(OTHER_GUILD, 1, mine.id)
    assert await book.cancel(GUILD, 1, mine.id)
    assert not await book.cancel(GUILD, 1, mine.id)
    assert await book.open_for(GUILD, 1) == []
    (row,) = await book.queue(GUILD)
    assert row.requesters == 1
    assert (await catalog.settings.overview(GUILD)).open_requests == 1  # for /config show
    assert (await catalog.settings.overview(OTHER_GUILD)).open_requests == 0
    (theirs,) = await book.open_for(GUILD, 2)
    await book.cancel(GUILD, 2, theirs.id)
    assert await book.queue(GUILD) == []  # nobody asks any more
    assert (await catalog.settings.overview(GUILD)).open_requests == 0


async def test_a_member_may_hold_fifty_open_requests(catalog: Catalog) -> None:
    for number in range(MAX_OPEN_PER_MEMBER):
        outcome = await catalog.requests.request(GUILD, 1, f"Unmade Film {number}")
        assert outcome.outcome == "recorded"
    assert (await catalog.requests.request(GUILD, 1, "One Too Many")).outcome == "member limit"
    assert (await catalog.requests.request(GUILD, 2, "One Too Many")).outcome == "recorded"


async def test_a_full_server_prunes_its_oldest_answered_requests_then_refuses(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.store.requests.MAX_PER_SERVER", 3)
    book = catalog.requests
    for member, title in ((1, "Zerkalo"), (2, "Zerkalo"), (3, "Solaris")):
        await book.request(GUILD, member, title)
    stored = await catalog.curation.add(make_review("Zerkalo", 1975), actor_id=None)
    assert len(await book.answer(GUILD, [stored])) == 1
    assert (await book.request(GUILD, 4, "Stalker")).outcome == "recorded"  # pruned one
    assert (await book.request(GUILD, 5, "Nostalghia")).outcome == "recorded"
    assert (await book.request(GUILD, 6, "Sacrifice")).outcome == "server full"
    assert (await book.request(OTHER_GUILD, 6, "Sacrifice")).outcome == "recorded"


async def test_a_published_review_answers_its_entry_once(catalog: Catalog) -> None:
    book = catalog.requests
    for member, typed in ((1, "moonlite"), (2, "moonlight"), (3, "Moonlight 2016")):
        await book.request(GUILD, member, typed)
    await book.request(GUILD, 4, "Zerkalo")
    stored = await catalog.curation.add(make_review("Moonlight", 2016), actor_id=None)
    elsewhere = await catalog.curation.add(
        make_review("Zerkalo", 1975, scope=OTHER_GUILD), actor_id=None
    )
    assert await book.waiting_servers() == [GUILD]
    (answer,) = await book.answer(GUILD, [stored, elsewhere])  # not another server's review
    assert answer.review == stored
    assert answer.member_ids == [1, 2, 3]
    assert await book.answer(GUILD, [stored]) == []  # answered once
    assert [row.title for row in await book.queue(GUILD)] == ["Zerkalo"]
    await book.answer(
        GUILD, [await catalog.curation.add(make_review("Zerkalo", 1975), actor_id=None)]
    )
    assert await book.waiting_servers() == []
    await book.mark_delivery(answer.request_ids[:1], delivered=True)
    await book.mark_delivery(answer.request_ids[1:2], delivered=False)
    assert await book.open_for(GUILD, 1) == []
    (untold,) = await book.open_for(GUILD, 2)
    assert (untold.state, untold.review_id) == ("answered", stored.id)
    assert untold.delivery == "undeliverable"
    (pending,) = await book.open_for(GUILD, 3)  # not yet told either way
    assert pending.state == "answered"
    assert (pending.review_id, pending.delivery) == (stored.id, "pending")


async def test_reviews_published_unheard_answer_the_entries_they_now_resolve_once(
    catalog: Catalog,
) -> None:
    book = catalog.requests
    for member, typed in ((1, "moonlite"), (2, "moonlight"), (3, "Moonlight 2016")):
        await book.request(GUILD, member, typed)
    await book.request(GUILD, 4, "Zerkalo")
    await book.request(GUILD, 5, "Heath")  # its closest match, Heat, is another film
    await book.request(OTHER_GUILD, 6, "moonlight")
    # Stored with no listener answering: as a CLI import while no bot runs.
    stored = await catalog.curation.add(make_review("Moonlight", 2016), actor_id=None)
    await catalog.curation.add(make_review("Zerkalo", 1975, scope=OTHER_GUILD), actor_id=None)

    (answer,) = await book.answer_resolved(GUILD)
    assert answer.review == stored
    assert answer.member_ids == [1, 2, 3]
    assert await book.answer_resolved(GUILD) == []  # answered once
    assert await book.answer(GUILD, [stored]) == []
    assert sorted(row.title for row in await book.queue(GUILD)) == ["Heath", "Zerkalo"]
    assert [row.title for row in await book.queue(OTHER_GUILD)] == []  # resolved there too
    (elsewhere,) = await book.answer_resolved(OTHER_GUILD)
    assert (elsewhere.review, elsewhere.member_ids) == (stored, [6])
    assert await book.waiting_servers() == [GUILD]


async def test_a_request_matching_several_films_is_answered_by_the_best_only(
    catalog: Catalog,
) -> None:
    await catalog.requests.request(GUILD, 1, "Solaris 2002")
    old = await catalog.curation.add(make_review("Solaris", 1972), actor_id=None)
    new = await catalog.curation.add(make_review("Solaris", 2002), actor_id=None)
    assert [answer.review for answer in await catalog.requests.answer(GUILD, [old, new])] == [new]


async def test_claim_and_dismiss_are_shown_and_audited(catalog: Catalog) -> None:
    book = catalog.requests
    await book.request(GUILD, 1, "Zerkalo")
    await catalog.insights.record_miss(GUILD, "Stalker")
    zerkalo, stalker = await book.queue(GUILD)
    claimed = await book.claim(GUILD, zerkalo, SAM)
    dismissed = await book.dismiss(GUILD, stalker, SAM, "not a film we review")
    assert [(row.title, row.claimed_by) for row in await book.queue(GUILD)] == [("Zerkalo", "Sam")]
    with pytest.raises(EntryGone):
        await book.claim(GUILD, stalker, SAM)  # dismissed meanwhile
    with pytest.raises(EntryGone):
        await book.claim(OTHER_GUILD, zerkalo, SAM)  # another server's entry
    audit = await catalog._store.table_rows("request_audit")  # columns by name
    assert [(row[0], row[1], json.loads(row[3]), row[4], row[6]) for row in audit] == [
        ("claim", SAM.id, {"name": "Sam"}, claimed, GUILD),
        ("dismiss", SAM.id, {"reason": "not a film we review"}, dismissed, GUILD),
    ]
    assert (await book.request(GUILD, 2, "stalker")).outcome == "recorded"
    assert [row.title for row in await book.queue(GUILD)] == ["Zerkalo"]  # dismissal stands


# -- what counts as one film, and as noise (user text) --------------------------------

titles = st.text(min_size=1, max_size=40)


@given(titles, titles)
def test_one_film_is_a_symmetric_relation(a: str, b: str) -> None:
    assert slips_apart(spelling(a), spelling(b)) == slips_apart(spelling(b), spelling(a))


@given(st.text(alphabet=st.characters(categories=["L"]), min_size=2, max_size=30))
def test_a_title_with_its_year_is_the_same_film(title: str) -> None:
    if spelling(title).key:
        assert slips_apart(spelling(title), spelling(f"{title} 2016")) == 0


@given(st.lists(st.sampled_from(["the", "a", "of", "and", "The", "A"]), min_size=1, max_size=4))
def test_stop_words_alone_name_nothing(words: list[str]) -> None:
    assert names_nothing(" ".join(words))
    assert is_noise(" ".join(words))


@given(st.integers(min_value=0, max_value=10**8))
def test_bare_numbers_are_noise_in_misses_but_may_be_requested(number: int) -> None:
    assert is_noise(str(number))
    assert not names_nothing(str(number))


def test_a_number_ending_a_title_may_be_read_as_a_year_or_as_the_title() -> None:
    assert slips_apart(spelling("Wonder Woman 1984"), titled("Wonder Woman 1984", 2020)) == 0
    assert slips_apart(spelling("Heat 1995"), titled("Heat", 1995)) == 0
    assert slips_apart(spelling("Heat 1995"), titled("Heat", 1986)) is None


def test_misspellings_are_one_film_and_other_years_are_not() -> None:
    assert slips_apart(spelling("moonlite"), spelling("Moonlight 2016")) is not None
    assert slips_apart(spelling("Heat 1995"), spelling("heat 1986")) is None
    assert slips_apart(spelling("Godfather 2"), spelling("godfather 3")) is None
    assert slips_apart(spelling("Stalker"), spelling("Solaris")) is None
