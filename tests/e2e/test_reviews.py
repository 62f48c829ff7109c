"""/review, !review and "@bot <title>", through real discord.py and the loopback Discord."""

from __future__ import annotations

from typing import Any

import pytest

from bot.client import ReviewBot
from bot.ratelimit import AUTOCOMPLETE_RATE, LOOKUP_RATE, MemberBudget
from bot.store import Store
from bot.views import OwnedView
from cogs.finding import FIND_REVIEW
from tests.conftest import make_review
from tests.e2e.harness import MEMBER_ID, MODERATOR_ID, BotRun

NOBODY_PINGED = {"parse": []}


def reviews_cog(run: BotRun) -> Any:
    """The loaded cog (an extension's module is its own copy: no isinstance check)."""
    cog = run.bot.get_cog("Reviews")
    assert cog is not None
    return cog


def title_of(message: Any) -> str:
    return str(message.embed(0)["title"])


async def review(run: BotRun, title: str, user: int = MEMBER_ID) -> Any:
    return await run.discord.slash("review", {"title": title}, user=user)


# -- the command tree -------------------------------------------------------------


def test_synced_tree_has_every_member_and_moderator_command(run: BotRun) -> None:
    synced = {
        command["name"]: command
        for command in run.discord.synced_commands[None]
        if command["type"] == 1  # context menus have no description
    }
    assert {
        "review", "random", "similar", "top", "stats", "wanted", "catalog", "config", "help",
    } <= set(synced)  # fmt: skip
    assert all(command["description"] for command in synced.values())


def test_review_command_takes_one_required_autocompleted_string(run: BotRun) -> None:
    command = next(c for c in run.discord.synced_commands[None] if c["name"] == "review")
    assert command["description"] == "Show a critic's review of a film"
    [title] = command["options"]
    assert title["name"] == "title"
    assert title["type"] == 3  # STRING
    assert title["required"] is True
    assert title["autocomplete"] is True


def test_catalog_group_is_hidden_from_members_by_default(run: BotRun) -> None:
    catalog = next(c for c in run.discord.synced_commands[None] if c["name"] == "catalog")
    subcommands = {option["name"]: option for option in catalog["options"]}
    assert set(subcommands) == {
        "add", "edit", "delete", "restore", "import", "export", "alias", "history",
    }  # fmt: skip
    assert all(option["type"] == 1 for option in subcommands.values())
    assert catalog["default_member_permissions"] == str(1 << 5)  # Manage Server
    assert subcommands["edit"]["options"][0]["autocomplete"] is True


# -- finding the film ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("All of Us Strangers", "All of Us Strangers (2023)"),
        ("all of us strangrs", "All of Us Strangers (2023)"),
        ("dark knight", "The Dark Knight (2008)"),
        ("amelie", "Amélie (2001)"),
        ("godfather 2", "The Godfather Part II (1974)"),
        ("heat 1986", "Heat (1986)"),
        ("AOUS", "All of Us Strangers (2023)"),
    ],
)
async def test_review_finds_the_film_the_member_means(
    run: BotRun, query: str, expected: str
) -> None:
    result = await review(run, query)
    assert not result.ephemeral
    assert title_of(result.message) == expected
    assert result.message.allowed_mentions == NOBODY_PINGED


async def test_review_embed_shows_the_facts_of_the_review(run: BotRun) -> None:
    embed = (await review(run, "all of us strangers")).message.embed(0)
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert embed["url"] == "https://reviews.example/all-of-us-strangers"
    assert embed["description"] == "*A test tagline for a ghost story.*"
    assert fields["Director"] == "Andrew Haigh"
    assert fields["Runtime"] == "1h 45m"
    assert fields["Score"].startswith("**9.5/10**")
    assert fields["Cast"] == "Andrew Scott, Paul Mescal, Claire Foy, Jamie Bell"
    assert fields["Verdict"].startswith("**Masterpiece**\nWritten for the tests")


async def test_title_shared_by_two_years_offers_did_you_mean(run: BotRun) -> None:
    result = await review(run, "arrival")
    [menu] = result.message.select_menus()
    labels = [option["label"] for option in menu["options"]]
    assert "Arrival (2016)" in labels and "Arrival (1980)" in labels
    assert title_of(result.message) in {"Arrival (2016)", "Arrival (1980)"}


async def test_choosing_another_film_in_did_you_mean_edits_the_reply(run: BotRun) -> None:
    result = await review(run, "heat")
    [menu] = result.message.select_menus()
    other = next(o for o in menu["options"] if o["label"] != title_of(result.message))
    picked = await run.discord.select(result.message, menu["custom_id"], [other["value"]])
    assert picked.callback_type == 7  # the reply is updated in place
    assert title_of(result.message) == other["label"]


async def test_did_you_mean_refuses_other_members(run: BotRun) -> None:
    result = await review(run, "heat")
    before = title_of(result.message)
    [menu] = result.message.select_menus()
    other = next(o for o in menu["options"] if o["label"] != before)
    refused = await run.discord.select(
        result.message, menu["custom_id"], [other["value"]], user=MODERATOR_ID
    )
    assert refused.ephemeral
    assert "belong to the member who asked" in refused.message.content
    assert title_of(result.message) == before


async def test_did_you_mean_is_disabled_when_it_expires_but_read_full_review_is_not(
    run: BotRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(OwnedView, "timeout_seconds", 0.2)
    result = await review(run, "heat")
    await run.discord.wait_for_message(
        lambda message: (
            message.id == result.message.id
            and all(menu.get("disabled") for menu in message.select_menus())
        )
    )
    assert result.message.select_menus()
    assert not result.message.button("Read full review").get("disabled")


async def test_unambiguous_title_has_no_select_menu(run: BotRun) -> None:
    result = await review(run, "heat 1995")
    assert title_of(result.message) == "Heat (1995)"
    assert result.message.select_menus() == []


async def test_no_match_is_ephemeral_and_counted(run: BotRun, catalog_store: Store) -> None:
    result = await review(run, "qwzx plorf")
    assert result.ephemeral
    assert result.message.content == (
        "No review matches “qwzx plorf”. Moderators can see what members looked for with /wanted."
    )
    assert result.message.embeds == []
    assert result.message.select_menus() == []
    await reviews_cog(run).misses_recorded()  # written after the answer
    assert await catalog_store.guilds.top_misses(run.discord.default_guild_id) == [
        ("qwzx plorf", 1)
    ]


async def test_a_weak_match_gets_no_card_but_a_did_you_mean_menu(
    run: BotRun, catalog_store: Store
) -> None:
    # "moonlit" is two slips from Moonlight: as likely a film the catalog lacks as a typo.
    result = await review(run, "moonlit")
    assert result.ephemeral
    assert result.message.content == "Nothing called “moonlit” — did you mean:"
    assert result.message.embeds == []
    [menu] = result.message.select_menus()
    labels = [option["label"] for option in menu["options"]]
    assert labels[0] == "Moonlight (2016)"
    assert not any(option.get("default") for option in menu["options"])
    await reviews_cog(run).misses_recorded()  # written after the answer
    assert await catalog_store.guilds.top_misses(run.discord.default_guild_id) == [("moonlit", 1)]


async def test_picking_from_the_did_you_mean_menu_shows_that_card(run: BotRun) -> None:
    result = await review(run, "moonlit")
    [menu] = result.message.select_menus()
    moonlight = next(o for o in menu["options"] if o["label"] == "Moonlight (2016)")
    picked = await run.discord.select(result.message, menu["custom_id"], [moonlight["value"]])
    assert picked.callback_type == 7  # the reply becomes the card in place
    assert title_of(result.message) == "Moonlight (2016)"
    assert not result.message.content
    assert result.message.button("Read full review")
    [menu] = result.message.select_menus()
    assert [o["label"] for o in menu["options"] if o.get("default")] == ["Moonlight (2016)"]


async def test_no_match_suggests_titles_that_start_like_the_query(run: BotRun) -> None:
    result = await review(run, "paddington 7")
    assert result.ephemeral or title_of(result.message) == "Paddington 2 (2017)"


async def test_wanted_lists_missing_titles_and_is_hidden_from_members(run: BotRun) -> None:
    for _ in range(2):
        await review(run, "zyxw nonexistent film")
    wanted = await run.discord.slash("wanted", user=MODERATOR_ID)
    assert wanted.ephemeral
    [field] = wanted.message.embed(0)["fields"]
    assert field["name"] == "1. zyxw nonexistent film"
    assert field["value"].startswith("**2** failed lookup(s)\n")
    assert not run.discord.can_use_command("wanted", user=MEMBER_ID)


# -- autocomplete -----------------------------------------------------------------------


async def test_autocomplete_puts_the_intended_film_first(run: BotRun) -> None:
    choices = await run.discord.autocomplete("review", {"title": "all of us str"}, "title")
    assert 1 <= len(choices) <= 25
    assert choices[0]["name"] == "All of Us Strangers (2023)"
    assert all(len(choice["name"]) <= 100 for choice in choices)


async def test_autocomplete_on_nothing_typed_offers_at_most_25(run: BotRun) -> None:
    choices = await run.discord.autocomplete("review", {"title": ""}, "title")
    assert 1 <= len(choices) <= 25


async def test_picking_an_autocomplete_choice_shows_exactly_that_year(run: BotRun) -> None:
    choices = await run.discord.autocomplete("review", {"title": "arrival"}, "title")
    old = next(choice for choice in choices if choice["name"] == "Arrival (1980)")
    result = await review(run, old["value"])
    assert title_of(result.message) == "Arrival (1980)"
    assert result.message.select_menus() == []


@pytest.mark.parametrize("typed", ["“the dark knight”", "l’amelie", "DARK KNIGHT, THE"])
async def test_autocomplete_normalises_quotes_accents_and_articles(run: BotRun, typed: str) -> None:
    choices = await run.discord.autocomplete("review", {"title": typed}, "title")
    assert choices and choices[0]["name"] in {"The Dark Knight (2008)", "Amélie (2001)"}


# -- other ways to ask --------------------------------------------------------------------


async def test_prefix_command_answers_in_the_channel(run: BotRun) -> None:
    replies = await run.discord.send_message("!review all of us strangrs")
    assert [title_of(reply) for reply in replies] == ["All of Us Strangers (2023)"]
    assert replies[0].allowed_mentions == NOBODY_PINGED


async def test_mention_is_answered_like_review(run: BotRun) -> None:
    replies = await run.discord.send_message("all of us strangers", mentions_bot=True)
    assert [title_of(reply) for reply in replies] == ["All of Us Strangers (2023)"]


@pytest.mark.parametrize("after", ["", "   ", "\n"])
async def test_a_bare_mention_is_answered_with_a_one_line_hint(run: BotRun, after: str) -> None:
    [reply] = await run.discord.send_message(after, mentions_bot=True)
    assert reply.content == (
        "Mention me with a film's title, like `@reviewbot all of us strangers`, or use "
        "`/review`; `/help` lists everything I do."
    )
    assert reply.message_reference is not None  # a reply to the mention, in its channel
    assert reply.allowed_mentions == {"parse": [], "replied_user": False}  # pings nobody


async def test_prefix_command_without_a_title_explains_what_is_missing(run: BotRun) -> None:
    replies = await run.discord.send_message("!review")
    assert "Missing `title`" in replies[0].content


# -- the full review ------------------------------------------------------------------------


async def test_read_full_review_answers_privately_with_the_body(run: BotRun) -> None:
    result = await review(run, "all of us strangers")
    full = await run.discord.click(result.message, label="Read full review", user=MODERATOR_ID)
    assert full.ephemeral
    description = full.message.embed(0)["description"]
    assert "First paragraph of the test review." in description
    assert "||a spoiler||" in description


async def test_long_body_is_paginated(run: BotRun, catalog_store: Store) -> None:
    body = "\n\n".join(f"Paragraph {n} " + "word " * 150 for n in range(20))
    await run.bot.catalog.curation.add(make_review("Long Film", 2010, body=body), actor_id=None)  # type: ignore[attr-defined]
    result = await review(run, "long film")
    full = await run.discord.click(result.message, label="Read full review")
    first = full.message.embed(0)
    assert first["title"].endswith("(1/5)") or "(1/" in first["title"]
    turned = await run.discord.click(full.message, label="Next")
    assert "(2/" in full.message.embed(0)["title"]
    assert turned.callback_type == 7


# -- hostile review text -----------------------------------------------------------------------


async def test_huge_tagline_and_cast_still_make_a_valid_embed(run: BotRun) -> None:
    bot = run.bot
    assert isinstance(bot, ReviewBot)
    cast = tuple(f"Actor Number {n}" for n in range(200))
    await bot.catalog.curation.add(
        make_review("Crowded Picture", 2001, tagline="t" * 2999 + " x", cast=cast), actor_id=None
    )
    embed = (await review(run, "crowded picture")).message.embed(0)
    assert len(embed["description"]) <= 4096
    cast_field = next(f for f in embed["fields"] if f["name"] == "Cast")
    assert cast_field["value"].endswith("and 195 more")


async def test_everyone_in_review_text_pings_nobody(run: BotRun) -> None:
    bot = run.bot
    assert isinstance(bot, ReviewBot)
    await bot.catalog.curation.add(
        make_review("Ping Film", 2002, tagline="@everyone <@&4001> <@3001>"), actor_id=None
    )
    result = await review(run, "ping film")
    assert result.message.allowed_mentions == NOBODY_PINGED
    pings = result.message.pings()
    assert not (pings.users or pings.roles or pings.everyone)


# -- failures ------------------------------------------------------------------------------


async def test_unexpected_error_gives_an_apology_with_an_error_id(
    run: BotRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("database on fire")

    bot = run.bot
    assert isinstance(bot, ReviewBot)
    monkeypatch.setattr(bot.catalog.finder, "resolve", broken)
    result = await review(run, "heat")
    assert result.ephemeral
    assert "something went wrong on my side (error id `" in result.message.content
    assert "database on fire" not in result.message.content
    assert "Traceback" not in result.message.content


async def test_lookups_beyond_the_cooldown_get_a_friendly_message(run: BotRun) -> None:
    results = [await review(run, "heat 1995") for _ in range(6)]
    refused = results[-1]
    assert refused.ephemeral
    assert refused.message.content.startswith("Slow down a little")


async def test_review_prefix_mention_and_find_review_spend_one_lookup_budget(
    run: BotRun,
) -> None:
    allowed, _ = LOOKUP_RATE
    # The same number of lookups, refilled only after an hour: however slow the run,
    # none comes back before the test ends.
    run.bot.lookup_budget = MemberBudget((allowed, 3600.0))  # type: ignore[attr-defined]

    async def slash() -> str:
        answer = await review(run, "heat 1995")
        return answer.message.content or title_of(answer.message)

    async def prefix() -> str:
        [answer] = await run.discord.send_message("!review heat 1995")
        return answer.content or title_of(answer)

    async def mention() -> str:
        [answer] = await run.discord.send_message("heat 1995", mentions_bot=True)
        return answer.content or title_of(answer)

    async def find() -> str:
        said = await run.discord.send_message(
            "has anyone seen Heat?", expect_reply=False, quiet_period=0.05
        )
        answer = await run.discord.message_command(FIND_REVIEW, said.prompt)
        return answer.message.content or title_of(answer.message)

    kinds = [slash, prefix, mention, find]
    spent = [await kinds[n % len(kinds)]() for n in range(allowed)]
    after = [await ask() for ask in kinds]

    assert spent == ["Heat (1995)"] * allowed
    assert all(answer.startswith("Slow down a little") for answer in after), after
    # Another member's budget is their own.
    other = await review(run, "heat 1995", user=MODERATOR_ID)
    assert title_of(other.message) == "Heat (1995)"


async def test_out_of_range_text_flag_names_the_option_and_its_range(run: BotRun) -> None:
    replies = await run.discord.send_message("!random min_score: 11")
    assert replies[0].content == "`min_score`: must be between 0 and 10, got 11."


async def test_nan_score_filter_is_refused_with_the_allowed_range(run: BotRun) -> None:
    replies = await run.discord.send_message("!random min_score: nan")
    assert replies[0].content == "min_score must be a number between 0 and 10."


# -- saying it only when sure (issue 13) ------------------------------------------------


async def test_an_exact_title_is_shown_as_the_answer(run: BotRun) -> None:
    result = await review(run, "All of Us Strangers (2023)")
    assert title_of(result.message) == "All of Us Strangers (2023)"
    assert not result.message.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("all of us strangrs", "All of Us Strangers (2023)"),
        ("mood for love", "In the Mood for Love (2000)"),
        ("moonlihgt", "Moonlight (2016)"),
    ],
)
async def test_a_closest_match_card_says_so(run: BotRun, query: str, expected: str) -> None:
    result = await review(run, query)
    assert not result.ephemeral
    assert result.message.content == f"Closest match for “{query}”:"
    assert title_of(result.message) == expected


async def test_a_closest_match_offers_the_other_close_titles(run: BotRun) -> None:
    result = await review(run, "arrivl")
    assert result.message.content == "Closest match for “arrivl”:"
    [menu] = result.message.select_menus()
    labels = {option["label"] for option in menu["options"]}
    assert labels == {"Arrival (2016)", "Arrival (1980)"}


async def test_a_year_the_film_does_not_have_gets_the_closest_match_label(
    run: BotRun,
) -> None:
    result = await review(run, "moonlight 1999")
    assert result.message.content == "Closest match for “moonlight 1999”:"
    assert title_of(result.message) == "Moonlight (2016)"


async def test_a_sequel_the_catalog_lacks_is_never_shown_as_the_original(run: BotRun) -> None:
    await run.bot.catalog.curation.add(make_review("Blade Runner", 1982), actor_id=None)  # type: ignore[attr-defined]
    result = await review(run, "blade runner 2049")
    shown_as_answer = (
        not result.ephemeral
        and title_of(result.message) == "Blade Runner (1982)"
        and not result.message.content.startswith("Closest match")
    )
    assert not shown_as_answer
    # Nothing is close enough for a card, so the private reply offers it in a menu.
    assert result.ephemeral
    assert result.message.content == "Nothing called “blade runner 2049” — did you mean:"
    [menu] = result.message.select_menus()
    assert menu["options"][0]["label"] == "Blade Runner (1982)"


async def test_autocomplete_is_rate_limited_per_member(run: BotRun) -> None:
    uses, _ = AUTOCOMPLETE_RATE
    for _ in range(uses):
        assert await run.discord.autocomplete("review", {"title": "heat"}, "title")
    assert await run.discord.autocomplete("review", {"title": "heat"}, "title") == []
    others = await run.discord.autocomplete("review", {"title": "heat"}, "title", user=MODERATOR_ID)
    assert others
