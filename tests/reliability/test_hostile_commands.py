"""Hostile input through real Discord payloads: thousands of examples per command.

One bot serves every example of a test (the ``run`` fixture lives for the whole
hypothesis run), with per-member cooldowns lifted so only the input varies. For every
example: the interaction is answered, each message the bot sent fits Discord's limits
and pings nobody, the bot logged no bug, and a refused write left the store as it was.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from bot.models import CONTENT_FIELDS, Review
from bot.store import Store
from bot.validation import ValidationError, clean_text, validate_field
from standin import InteractionResult, LoopbackFile
from tests.conftest import make_review, max_examples
from tests.e2e.harness import GUILD_ID, MEMBER_ID, MODERATOR_ID, BotRun
from tests.reliability.checks import (
    Watch,
    any_text_up_to_100k,
    bug_log,
    choice_problems,
    fingerprint,
    hostile_text,
    huge_text,
    lift_cooldowns,
    numbers,
    option_text,
    weighted,
)


def examples(count: int) -> settings:
    return settings(
        max_examples=max_examples(count),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture
async def hostile(run: BotRun) -> AsyncIterator[Callable[[], Watch]]:
    """The running bot without rate limits; call the result at the start of each example."""
    lift_cooldowns(run)
    with bug_log(run) as bugs:
        yield lambda: Watch(run, bugs)


async def slash(
    run: BotRun, watch: Watch, name: str, options: dict[str, Any], *, user: int = MEMBER_ID
) -> InteractionResult:
    """/name as ``user``; returns once answered in full, or the bot logged a failure."""
    pending = await run.discord.slash(name, options, user=user, wait=False)
    await watch.until(lambda: pending.complete)
    return pending


async def message(run: BotRun, watch: Watch, text: str, *, mention: bool = False) -> None:
    """Post ``text`` in the channel; returns once the bot replied, or logged a failure."""
    await run.discord.send_message(text, mentions_bot=mention, expect_reply=False, quiet_period=0)
    await watch.until(watch.new_messages)


def store_of(run: BotRun) -> Store:
    return run.bot.catalog._store  # type: ignore[attr-defined,no-any-return]


# -- member commands ---------------------------------------------------------------------


@examples(2000)
@given(title=option_text())
async def test_review_of_any_title_is_answered_within_limits_without_pinging(
    run: BotRun, hostile: Callable[[], Watch], title: str
) -> None:
    watch = hostile()
    result = await slash(run, watch, "review", {"title": title})
    watch.assert_clean()
    assert result.message.embeds or result.message.content


@examples(600)
@given(text=any_text_up_to_100k(), mention=st.booleans())
async def test_review_typed_as_a_message_of_any_length_is_answered_safely(
    run: BotRun, hostile: Callable[[], Watch], text: str, mention: bool
) -> None:
    assume(text.strip() or not mention)  # a bare "@bot" is not a question: no answer
    watch = hostile()
    await message(run, watch, text if mention else f"!review {text}", mention=mention)
    watch.assert_clean()
    assert len(watch.new_messages()) == 1


@examples(1000)
@given(title=option_text())
async def test_similar_of_any_title_is_answered_within_limits_without_pinging(
    run: BotRun, hostile: Callable[[], Watch], title: str
) -> None:
    watch = hostile()
    await slash(run, watch, "similar", {"title": title})
    watch.assert_clean()


AUTOCOMPLETE_WAIT = 3.0  # the stand-in cannot tell "failed" from "slow" for autocomplete
AUTOCOMPLETED = [
    ("review", "title", MEMBER_ID),
    ("similar", "title", MEMBER_ID),
    ("random", "verdict", MEMBER_ID),
    ("random", "director", MEMBER_ID),
    ("random", "cast", MEMBER_ID),
    ("top", "genre", MEMBER_ID),
    ("catalog edit", "title", MODERATOR_ID),
    ("catalog restore", "title", MODERATOR_ID),
    ("catalog history", "title", MODERATOR_ID),
]


@examples(1000)
@given(target=st.sampled_from(AUTOCOMPLETED), typed=any_text_up_to_100k())
async def test_autocomplete_of_any_text_offers_at_most_25_valid_choices(
    run: BotRun, hostile: Callable[[], Watch], target: tuple[str, str, int], typed: str
) -> None:
    command, option, user = target
    watch = hostile()
    choices = await run.discord.autocomplete(
        command, {option: typed}, option, user=user, within=AUTOCOMPLETE_WAIT
    )
    assert not choice_problems(choices), choice_problems(choices)
    watch.assert_clean()


FILTER_OPTIONS = {
    "min_score": st.floats(0, 10),
    "verdict": option_text(),
    "decade": st.integers(1870, 2100),
    "year_from": st.integers(1870, 2100),
    "year_to": st.integers(1870, 2100),
    "director": option_text(),
    "cast": option_text(),
    "genre": option_text(),
    "max_runtime": st.integers(1, 1000),
}


@examples(1000)
@given(
    command=st.sampled_from(["random", "top"]),
    options=st.fixed_dictionaries({}, optional=FILTER_OPTIONS),
)
async def test_random_and_top_with_any_filters_are_answered_within_limits(
    run: BotRun, hostile: Callable[[], Watch], command: str, options: dict[str, Any]
) -> None:
    watch = hostile()
    await slash(run, watch, command, options)
    watch.assert_clean()


def number_text(value: float) -> str:
    return repr(value) if math.isfinite(value) else str(value)  # "nan", "inf", "-inf"


@examples(600)
@given(
    command=st.sampled_from(["random", "top"]),
    min_score=numbers(),
    max_runtime=st.one_of(numbers(), st.integers()),
    decade=st.one_of(st.integers(), numbers()),
    genre=hostile_text(),
)
async def test_filters_typed_as_text_with_nan_infinity_and_negatives_are_answered_safely(
    run: BotRun,
    hostile: Callable[[], Watch],
    command: str,
    min_score: float,
    max_runtime: float,
    decade: float,
    genre: str,
) -> None:
    watch = hostile()
    text = (
        f"!{command} min_score: {number_text(min_score)} "
        f"max_runtime: {number_text(max_runtime)} decade: {number_text(decade)} genre: {genre}"
    )
    await message(run, watch, text)
    watch.assert_clean()
    assert len(watch.new_messages()) == 1


# -- moderator commands ----------------------------------------------------------------------


def mostly(plausible: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]) -> Any:
    """Three parts plausible (so writes get through), one part hostile (so they are refused)."""
    return weighted((3, plausible), (1, hostile))


def valid_looking(text: str) -> str:
    """Hostile text made into something a field might accept: one line, not blank."""
    line = " ".join(text.split())[:150]
    return f"Film {line}" if line else "Film"


looks_valid = hostile_text().map(valid_looking)
names = st.lists(looks_valid, max_size=6).map("; ".join)
ADD_OPTIONS = {
    "score": mostly(st.floats(0, 10), numbers()),
    "runtime": mostly(st.integers(1, 1000), st.integers(-(2**53), 2**53)),
    "director": mostly(names, option_text()),
    "cast": mostly(names, option_text()),
    "tagline": option_text(),
    "verdict": mostly(looks_valid, option_text()),
    "review_url": mostly(
        hostile_text().map(lambda text: "https://reviews.example/" + "".join(text.split())),
        option_text(),
    ),
    "genres": mostly(names, option_text()),
    "aliases": mostly(names, option_text()),
}


@examples(500)
@given(
    title=mostly(looks_valid, option_text()),
    year=mostly(st.integers(1870, 2100), st.integers(-(2**53), 2**53)),
    optional=st.fixed_dictionaries({}, optional=ADD_OPTIONS),
    verdict_text=hostile_text().map(lambda text: text[:4000]),
    body=st.one_of(hostile_text(), huge_text(4000, 4000), st.just("")).map(lambda t: t[:4000]),
    publish=st.booleans(),
)
async def test_catalog_add_of_any_options_stores_exactly_one_review_or_nothing(
    run: BotRun,
    hostile: Callable[[], Watch],
    title: str,
    year: int,
    optional: dict[str, Any],
    verdict_text: str,
    body: str,
    publish: bool,
) -> None:
    path = store_of(run).path
    watch = hostile()
    before = fingerprint(path)

    opened = await slash(
        run, watch, "catalog add", {"title": title, "year": year, **optional}, user=MODERATOR_ID
    )
    if opened.modal_sent is None:  # refused before the form: nothing may have changed
        event("refused before the form")
        watch.assert_clean()
        assert opened.ephemeral
        assert fingerprint(path) == before
        return
    preview = await run.discord.submit_modal(
        opened.modal, {"Verdict": verdict_text, "Full review (optional)": body}
    )
    watch.assert_clean()
    if not preview.message.buttons():  # a form that says nothing is refused, not previewed
        event("refused at the form")
        assert preview.ephemeral and "a review needs at least" in preview.message.content
        assert optional.get("score") is None
        assert not clean_text(verdict_text) and not clean_text(optional.get("verdict"))
        assert fingerprint(path) == before
        return
    pressed = await run.discord.click(
        preview.message, label="Publish" if publish else "Cancel", user=MODERATOR_ID
    )
    watch.assert_clean()
    assert pressed.complete
    after = fingerprint(path)
    if not publish:
        event("previewed, then cancelled")
        assert after == before
        return
    event("previewed, then published")
    assert (after.reviews, after.audit_rows) == (before.reviews + 1, before.audit_rows + 1)
    [entry] = await store_of(run).reviews.history(after.last_review)
    assert entry.action == "add"
    card = await slash(run, watch, "review", {"title": f"id:{after.last_review}"})
    watch.assert_clean()  # the published card, as members see it, fits Discord too
    assert card.message.embeds


@pytest.fixture
async def guild_review(run: BotRun) -> Review:
    review = make_review("Edit Target", 2010, scope=GUILD_ID)
    return await run.bot.catalog.curation.add(review, actor_id=MODERATOR_ID)  # type: ignore[attr-defined,no-any-return]


@examples(500)
@given(field=st.sampled_from(CONTENT_FIELDS), value=option_text())
async def test_catalog_edit_with_any_value_changes_that_field_only_or_nothing(
    run: BotRun, hostile: Callable[[], Watch], guild_review: Review, field: str, value: str
) -> None:
    store = store_of(run)
    assert guild_review.id is not None
    watch = hostile()
    before_review = await store.reviews.get(guild_review.id)
    assert before_review is not None
    before = fingerprint(store.path)

    result = await slash(
        run,
        watch,
        "catalog edit",
        {"title": f"id:{guild_review.id}", "field": field, "value": value},
        user=MODERATOR_ID,
    )

    watch.assert_clean()
    assert result.ephemeral
    after_review = await store.reviews.get(guild_review.id)
    assert after_review is not None
    changed = {
        name
        for name in CONTENT_FIELDS
        if before_review.content()[name] != after_review.content()[name]
    }
    try:
        expected = validate_field(field, value)
    except ValidationError:
        event("refused by validation")
        assert fingerprint(store.path) == before
        assert changed == set()
    else:
        after = fingerprint(store.path)
        if after == before:  # a valid value the store refused (the title of another film)
            event("valid value, refused by the store")
            assert changed == set()
            return
        event("valid value, saved")
        assert changed <= {field}
        assert after_review.content()[field] == (
            list(expected) if isinstance(expected, tuple) else expected
        )
        assert after.audit_rows == before.audit_rows + 1


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers(), st.integers(), hostile_text()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(hostile_text(), inner, max_size=3)
    ),
    max_leaves=6,
)


def json_file(records: list[dict[str, Any]]) -> bytes:
    return json.dumps(records, ensure_ascii=False).encode("utf-8")


KNOWN_FIELDS = st.fixed_dictionaries(
    {
        "title": mostly(looks_valid, hostile_text()),
        "year": mostly(st.integers(1870, 2100), json_value),
    },
    optional={
        "score": mostly(st.floats(0, 10), st.one_of(numbers(), numbers().map(number_text))),
        "runtime": mostly(st.integers(1, 1000), json_value),
        "directors": st.lists(mostly(looks_valid, json_value), max_size=4),
        "cast": mostly(names, st.lists(json_value, max_size=6)),
        "tagline": mostly(hostile_text(), json_value),
        "verdict_text": mostly(hostile_text(), json_value),
        "body": mostly(hostile_text(), huge_text(1000, 100_000)),
        "review_url": mostly(st.just(""), hostile_text()),
    },
)
UNKNOWN_FIELDS = st.dictionaries(
    st.one_of(hostile_text(max_parts=3), huge_text(100, 3000)), json_value, max_size=2
)
REVIEW_RECORD = weighted(
    (3, KNOWN_FIELDS),
    (1, st.builds(lambda known, unknown: {**unknown, **known}, KNOWN_FIELDS, UNKNOWN_FIELDS)),
)
IMPORTED = re.compile(r"^Imported \d+ review\(s\): (\d+) added, (\d+) updated, \d+ unchanged\.$")


@examples(300)
@given(records=st.lists(REVIEW_RECORD, min_size=1, max_size=20), dry_run=st.booleans())
async def test_catalog_import_of_any_records_is_answered_and_writes_all_or_nothing(
    run: BotRun,
    hostile: Callable[[], Watch],
    records: list[dict[str, Any]],
    dry_run: bool,
) -> None:
    path = store_of(run).path
    watch = hostile()
    before = fingerprint(path)
    upload = LoopbackFile("reviews.json", json_file(records), "application/json")

    result = await slash(
        run, watch, "catalog import", {"file": upload, "dry_run": dry_run}, user=MODERATOR_ID
    )

    watch.assert_clean()
    reply = (result.followups or [result.message])[-1].content
    after = fingerprint(path)
    if "nothing imported" in reply or dry_run:
        event("refused" if "nothing imported" in reply else "dry run")
        assert after == before
        return
    event("imported")
    counts = IMPORTED.match(reply)
    assert counts is not None, reply
    added, updated = map(int, counts.groups())
    assert after.reviews == before.reviews + added
    assert after.audit_rows == before.audit_rows + added + updated


# -- examples the properties above found, pinned so they stay fixed -------------------------


@pytest.mark.parametrize(
    "title", ["id:" + "9" * 25, "id:²"], ids=["past-64-bits", "superscript-digit"]
)
async def test_review_of_a_malformed_choice_id_is_answered_as_no_match(
    run: BotRun, hostile: Callable[[], Watch], title: str
) -> None:
    watch = hostile()
    result = await slash(run, watch, "review", {"title": title})
    watch.assert_clean()
    assert result.ephemeral
    assert result.message.embeds == []  # no card; the nearest titles, if any, as a menu
    assert result.message.content.startswith(("No review matches", "Nothing called"))


async def test_mention_with_a_title_over_200_characters_gets_the_too_long_refusal(
    run: BotRun, hostile: Callable[[], Watch]
) -> None:
    watch = hostile()
    await message(run, watch, "heat " * 50, mention=True)
    watch.assert_clean()
    [reply] = watch.new_messages()
    assert "too long" in reply.content


async def test_import_refused_for_many_long_problems_still_answers_the_moderator(
    run: BotRun, hostile: Callable[[], Watch]
) -> None:
    records = [{"title": "Film", "year": 2000, "review_url": "x" * 80} for _ in range(30)]
    watch = hostile()
    before = fingerprint(store_of(run).path)
    upload = LoopbackFile("reviews.json", json_file(records), "application/json")

    result = await slash(run, watch, "catalog import", {"file": upload}, user=MODERATOR_ID)

    watch.assert_clean()
    assert "nothing imported" in result.message.content
    assert fingerprint(store_of(run).path) == before
