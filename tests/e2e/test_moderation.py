"""/catalog end to end: moderators curate the catalog and members see the result.

Every test drives the real bot through the loopback Discord as a moderator would
(slash command, form, buttons, attachments) and checks what members then find.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.formats.export import export_json
from bot.models import Review
from bot.store import Store
from cogs.moderation import MAX_IMPORT_BYTES
from standin import InteractionResult, LoopbackFile, SentMessage
from tests.conftest import make_review
from tests.e2e.harness import (
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    OWNER_ID,
    BotRun,
)

FIXTURE_PAGE = Path(__file__).resolve().parent.parent / "fixtures" / "pages" / "full.txt"
PAGE_TITLE = "The Cartographer's Winter"

LANTERN = {
    "title": "The Lantern Keeper",
    "year": 2019,
    "score": 8.0,
    "runtime": 97,
    "director": "Wren Calloway",
    "cast": "Ada Morrow; Felix Hart",
    "verdict": "Essential",
    "genres": "Drama; Mystery",
}
LANTERN_CARD = "The Lantern Keeper (2019)"


# ----- helpers ---------------------------------------------------------------------------
def store_of(run: BotRun) -> Store:
    return run.bot.catalog._store  # type: ignore[attr-defined,no-any-return]


async def guild_copies(run: BotRun, title: str, year: int) -> list[Review]:
    """Every stored review (deleted too) of title+year in the moderator's guild."""
    return await store_of(run).reviews.find_by_title(
        title, year, scope=GUILD_ID, include_deleted=True
    )


async def open_preview(
    run: BotRun,
    options: dict[str, Any] | None = None,
    *,
    verdict_text: str = "A quiet film about a lighthouse.",
    body: str = "",
    user: int = MODERATOR_ID,
) -> SentMessage:
    """/catalog add, then fill in the form; returns the ephemeral preview."""
    form = await run.discord.slash("catalog add", options or LANTERN, user=user)
    submitted = await run.discord.submit_modal(
        form.modal, {"Verdict": verdict_text, "Full review (optional)": body}
    )
    return submitted.message


async def publish(run: BotRun, options: dict[str, Any] | None = None, **form: Any) -> SentMessage:
    preview = await open_preview(run, options, **form)
    return (await run.discord.click(preview, label="Publish")).message


async def seed_lantern(run: BotRun) -> Review:
    """The Lantern Keeper, already in the guild's catalog (for edit/delete/alias tests)."""
    review = make_review(
        "The Lantern Keeper",
        2019,
        directors=("Wren Calloway",),
        cast=("Ada Morrow",),
        runtime=97,
        score=8.0,
        verdict="Essential",
        genres=("Drama",),
        scope=GUILD_ID,
    )
    return await run.bot.catalog.curation.add(review, actor_id=MODERATOR_ID)  # type: ignore[attr-defined,no-any-return]


async def member_review(run: BotRun, title: str) -> InteractionResult:
    return await run.discord.slash("review", {"title": title}, user=MEMBER_ID)


def card_title(result: InteractionResult) -> str | None:
    """The title of the review card a lookup showed, or ``None`` when it found nothing."""
    embeds = result.message.embeds
    return str(embeds[0]["title"]) if embeds else None


def field_value(message: SentMessage, name: str) -> str:
    return next(str(f["value"]) for f in message.embed()["fields"] if f["name"] == name)


async def import_file(
    run: BotRun, filename: str, data: bytes, *, user: int = MODERATOR_ID, **options: Any
) -> InteractionResult:
    upload = LoopbackFile(filename, data, "text/plain")
    return await run.discord.slash("catalog import", {"file": upload, **options}, user=user)


@pytest.fixture
def served_attachments(run: BotRun, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of attachment downloads the stand-in served to the bot."""
    served: list[str] = []
    serve: Callable[[web.Request], web.Response] = run.discord._serve_attachment

    def recording(request: web.Request) -> web.Response:
        served.append(request.path)
        return serve(request)

    monkeypatch.setattr(run.discord, "_serve_attachment", recording)
    return served


# ----- add: options, form, preview, publish -----------------------------------------------
async def test_add_form_leads_to_an_ephemeral_preview_and_nothing_is_stored_yet(
    run: BotRun,
) -> None:
    preview = await open_preview(run, verdict_text="Patient and luminous.")

    assert preview.ephemeral
    assert preview.embed()["title"] == LANTERN_CARD
    assert "Patient and luminous." in field_value(preview, "Verdict")
    assert [b["label"] for b in preview.buttons()] == ["Publish", "Cancel"]
    assert await guild_copies(run, "The Lantern Keeper", 2019) == []


async def test_publish_stores_the_review_with_form_text(run: BotRun) -> None:
    published = await publish(run, verdict_text="Patient.", body="The whole review.")

    [stored] = await guild_copies(run, "The Lantern Keeper", 2019)
    assert published.content == f"Published {LANTERN_CARD} (#{stored.id})."
    assert (stored.verdict_text, stored.body, stored.created_by) == (
        "Patient.",
        "The whole review.",
        MODERATOR_ID,
    )
    assert all(button["disabled"] for button in published.buttons())


async def test_published_review_is_found_by_members_despite_a_typo(run: BotRun) -> None:
    await publish(run)

    found = await member_review(run, "the lantren keper")

    assert card_title(found) == LANTERN_CARD
    assert not found.ephemeral


async def test_published_review_is_the_random_pick_for_a_filter_only_it_matches(
    run: BotRun,
) -> None:
    before = await run.discord.slash("random", {"director": "Wren Calloway"}, user=MEMBER_ID)
    await publish(run)

    after = await run.discord.slash("random", {"director": "Wren Calloway"}, user=MEMBER_ID)

    assert card_title(before) is None
    assert card_title(after) == LANTERN_CARD


async def test_cancel_on_the_preview_writes_nothing(run: BotRun) -> None:
    preview = await open_preview(run)

    cancelled = await run.discord.click(preview, label="Cancel")

    assert cancelled.message.content == "Cancelled: nothing was saved."
    assert cancelled.message.embeds == []
    assert await guild_copies(run, "The Lantern Keeper", 2019) == []
    assert card_title(await member_review(run, "The Lantern Keeper")) is None


async def test_adding_an_existing_title_and_year_says_so_and_points_to_edit(
    run: BotRun,
) -> None:
    await publish(run)

    again = await run.discord.slash("catalog add", LANTERN, user=MODERATOR_ID)

    assert again.modal_sent is None
    assert again.ephemeral
    assert again.message.content == (
        f"{LANTERN_CARD} is already in this catalog. "
        "Change it with `/catalog edit title: The Lantern Keeper (2019)` instead."
    )
    assert len(await guild_copies(run, "The Lantern Keeper", 2019)) == 1


@pytest.mark.parametrize(
    ("bad_option", "message"),
    [
        ({"score": 11}, "score must be between 0 and 10, got 11"),
        ({"score": -0.5}, "score must be between 0 and 10, got -0.5"),
        ({"year": 1850}, "year must be between 1870 and 2100, got 1850"),
        ({"runtime": 0}, "runtime must be between 1 and 100000, got 0"),
        ({"title": "   "}, "title must not be empty"),
        ({"review_url": "reviews.example/lantern"}, "review_url must be an http(s) link"),
        ({"poster_url": "javascript:alert(1)"}, "poster_url must be an http(s) link"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
async def test_invalid_add_option_is_refused_privately_naming_the_field(
    run: BotRun, bad_option: dict[str, Any], message: str
) -> None:
    result = await run.discord.slash("catalog add", {**LANTERN, **bad_option}, user=MODERATOR_ID)

    assert result.modal_sent is None
    assert result.ephemeral
    assert message in result.message.content
    assert await guild_copies(run, "The Lantern Keeper", 2019) == []


# ----- edit ---------------------------------------------------------------------------------
async def test_edit_with_a_value_changes_what_members_see(run: BotRun) -> None:
    await seed_lantern(run)

    edited = await run.discord.slash(
        "catalog edit",
        {"title": "The Lantern Keeper", "field": "score", "value": "6.5"},
        user=MODERATOR_ID,
    )

    assert edited.ephemeral
    assert edited.message.content == f"Updated score of {LANTERN_CARD}."
    assert "6.5/10" in field_value((await member_review(run, "lantern keeper")).message, "Score")


async def test_edit_without_a_value_opens_a_form_holding_the_current_value(run: BotRun) -> None:
    await seed_lantern(run)

    opened = await run.discord.slash(
        "catalog edit", {"title": "The Lantern Keeper", "field": "directors"}, user=MODERATOR_ID
    )

    [text_input] = opened.modal.text_inputs()
    assert (text_input["label"], text_input["value"]) == ("directors", "Wren Calloway")


async def test_submitting_the_edit_form_saves_the_new_value(run: BotRun) -> None:
    seeded = await seed_lantern(run)
    opened = await run.discord.slash(
        "catalog edit", {"title": "The Lantern Keeper", "field": "directors"}, user=MODERATOR_ID
    )

    saved = await run.discord.submit_modal(opened.modal, {"directors": "Wren Calloway; Ida Nest"})

    assert saved.ephemeral
    assert saved.message.content == f"Updated directors of {LANTERN_CARD}."
    assert seeded.id is not None
    stored = await store_of(run).reviews.get(seeded.id)
    assert stored is not None and stored.directors == ("Wren Calloway", "Ida Nest")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("score", "11", "score must be between 0 and 10, got 11"),
        ("score", "great", "score must be a number between 0 and 10, got 'great'"),
        ("year", "nineteen", "year must be a whole number, got 'nineteen'"),
        ("runtime", "-5", "runtime must be between 1 and 100000, got -5"),
        ("title", "  ", "title must not be empty"),
        ("review_url", "ftp://files.example/x", "review_url must be an http(s) link"),
    ],
)
async def test_invalid_edit_value_is_refused_privately_naming_the_field(
    run: BotRun, field: str, value: str, message: str
) -> None:
    seeded = await seed_lantern(run)

    result = await run.discord.slash(
        "catalog edit",
        {"title": "The Lantern Keeper", "field": field, "value": value},
        user=MODERATOR_ID,
    )

    assert result.ephemeral
    assert message in result.message.content
    assert seeded.id is not None
    assert await store_of(run).reviews.get(seeded.id) == seeded


async def test_invalid_value_in_the_edit_form_is_refused_privately_naming_the_field(
    run: BotRun,
) -> None:
    seeded = await seed_lantern(run)
    opened = await run.discord.slash(
        "catalog edit", {"title": "The Lantern Keeper", "field": "score"}, user=MODERATOR_ID
    )

    result = await run.discord.submit_modal(opened.modal, {"score": "11"})

    assert result.ephemeral
    assert "score must be between 0 and 10, got 11" in result.message.content
    assert seeded.id is not None
    assert await store_of(run).reviews.get(seeded.id) == seeded


async def test_guilds_own_copy_of_a_global_title_is_edited_by_typing_its_title(
    run: BotRun,
) -> None:
    own = await run.bot.catalog.curation.add(  # type: ignore[attr-defined]
        make_review("Heat", 1995, score=2.0, scope=GUILD_ID), actor_id=MODERATOR_ID
    )

    result = await run.discord.slash(
        "catalog edit", {"title": "Heat 1995", "field": "score", "value": "3"}, user=MODERATOR_ID
    )

    assert result.message.content == "Updated score of Heat (1995)."
    stored = await store_of(run).reviews.get(own.id)
    assert stored is not None and stored.score == 3.0


# ----- delete, restore, history ----------------------------------------------------------
async def test_confirmed_delete_hides_the_review_from_members(run: BotRun) -> None:
    await seed_lantern(run)
    asked = await run.discord.slash(
        "catalog delete", {"title": "The Lantern Keeper"}, user=MODERATOR_ID
    )
    question = asked.message.content

    confirmed = await run.discord.click(asked.message, label="Delete")

    assert asked.ephemeral and question == f"Delete {LANTERN_CARD}?"
    assert confirmed.message.content == (
        f"Deleted {LANTERN_CARD}. `/catalog restore title: {LANTERN_CARD}` brings it back."
    )
    assert card_title(await member_review(run, "The Lantern Keeper")) is None


async def test_a_confirmed_write_replaces_the_prompts_card_with_its_outcome(
    run: BotRun,
) -> None:
    published = await publish(run)
    asked = await run.discord.slash(
        "catalog delete", {"title": "The Lantern Keeper"}, user=MODERATOR_ID
    )
    card_asked_about = asked.message.embed()["title"]
    deleted = (await run.discord.click(asked.message, label="Delete")).message

    assert published.embed()["title"] == LANTERN_CARD
    assert card_asked_about == LANTERN_CARD
    assert deleted.embeds == []  # the deleted review's card goes with it
    assert all(button["disabled"] for button in deleted.buttons())


async def test_delete_is_not_done_until_confirmed(run: BotRun) -> None:
    await seed_lantern(run)

    await run.discord.slash("catalog delete", {"title": "The Lantern Keeper"}, user=MODERATOR_ID)

    assert card_title(await member_review(run, "The Lantern Keeper")) == LANTERN_CARD


async def test_restore_brings_a_deleted_review_back_for_members(run: BotRun) -> None:
    seeded = await seed_lantern(run)
    assert seeded.id is not None
    await run.bot.catalog.curation.delete(seeded.id, actor_id=MODERATOR_ID, scope=GUILD_ID)  # type: ignore[attr-defined]

    restored = await run.discord.slash(
        "catalog restore", {"title": "The Lantern Keeper 2019"}, user=MODERATOR_ID
    )

    assert restored.ephemeral
    assert restored.message.content == f"Restored {LANTERN_CARD}."
    assert card_title(await member_review(run, "The Lantern Keeper")) == LANTERN_CARD


async def test_restore_autocomplete_offers_global_deleted_reviews_to_owners(run: BotRun) -> None:
    [heat] = await store_of(run).reviews.find_by_title("Heat", 1995, scope=None)
    assert heat.id is not None
    await run.bot.catalog.curation.delete(heat.id, actor_id=OWNER_ID, scope=None)  # type: ignore[attr-defined]

    choices = await run.discord.autocomplete(
        "catalog restore", {"title": "he", "scope": "global"}, focused="title", user=OWNER_ID
    )

    assert choices == [{"name": "Heat (1995)", "value": f"id:{heat.id}"}]


async def test_history_lists_add_edit_delete_and_restore_newest_first(run: BotRun) -> None:
    await publish(run)
    await run.discord.slash(
        "catalog edit",
        {"title": "The Lantern Keeper", "field": "score", "value": "7"},
        user=MODERATOR_ID,
    )
    asked = await run.discord.slash(
        "catalog delete", {"title": "The Lantern Keeper"}, user=MODERATOR_ID
    )
    await run.discord.click(asked.message, label="Delete")
    await run.discord.slash("catalog restore", {"title": "The Lantern Keeper"}, user=MODERATOR_ID)

    history = await run.discord.slash(
        "catalog history", {"title": "The Lantern Keeper"}, user=MODERATOR_ID
    )

    assert history.ephemeral
    entries = [block.splitlines() for block in history.message.embed()["description"].split("\n\n")]
    assert [re.sub(r"^<t:\d+:f> · ", "", lines[0]) for lines in entries] == [
        f"**restored** by <@{MODERATOR_ID}>",
        f"**deleted** by <@{MODERATOR_ID}>",
        f"**edited** by <@{MODERATOR_ID}>",
        f"**added** by <@{MODERATOR_ID}>",
    ]
    assert [lines[1:] for lines in entries] == [[], [], ["• score: 8.0 → 7.0"], []]


# ----- import ------------------------------------------------------------------------------
async def test_importing_a_review_page_adds_it_for_members(run: BotRun) -> None:
    result = await import_file(run, "full.txt", FIXTURE_PAGE.read_bytes())

    assert result.ephemeral
    assert result.message.content == ("Imported 1 review(s): 1 added, 0 updated, 0 unchanged.")
    assert card_title(await member_review(run, "cartographers winter")) == (f"{PAGE_TITLE} (2021)")


async def test_reimporting_the_same_page_reports_it_unchanged(run: BotRun) -> None:
    await import_file(run, "full.txt", FIXTURE_PAGE.read_bytes())

    again = await import_file(run, "full.txt", FIXTURE_PAGE.read_bytes())

    assert again.message.content == "Imported 1 review(s): 0 added, 0 updated, 1 unchanged."


async def test_importing_a_changed_page_reports_it_updated(run: BotRun) -> None:
    page = FIXTURE_PAGE.read_text("utf-8")
    await import_file(run, "full.txt", page.encode())

    changed = await import_file(run, "full.txt", page.replace("8.5 /10", "7 /10").encode())

    assert changed.message.content == "Imported 1 review(s): 0 added, 1 updated, 0 unchanged."
    [stored] = await guild_copies(run, PAGE_TITLE, 2021)
    assert stored.score == 7.0


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (
            "title,year,score\nGood Film,2001,7\nBad Film,2002,11\n",
            "line 3, score: score must be between 0 and 10, got 11",
        ),
        (
            "title,year,score\nGood Film,2001,7\nBad Film,2002,eleven\n",
            "line 3, score: score must be a number between 0 and 10, got 'eleven'",
        ),
        ("title,year\nGood Film,2001\nNo Year Film,\n", "line 3, year: year is required"),
        (
            "title,year,runtime\nGood Film,2001,90\nLong Film,2002,two hours\n",
            "line 3, runtime: runtime must be a whole number, got 'two hours'",
        ),
        (
            'title,year,verdict_text\nGood Film,2001,"Fine.\n\nReally."\n,2002,No title\n',
            "line 5, title: title must not be empty",
        ),
    ],
    ids=["score-range", "score-text", "year-missing", "runtime-text", "title-after-multiline"],
)
async def test_malformed_csv_writes_nothing_and_names_the_line_and_field(
    run: BotRun, rows: str, problem: str
) -> None:
    result = await import_file(run, "reviews.csv", rows.encode())

    assert result.ephemeral
    assert "nothing imported" in result.message.content
    assert problem in result.message.content
    assert await guild_copies(run, "Good Film", 2001) == []


async def test_attachment_over_the_size_limit_is_refused_before_download(
    run: BotRun, served_attachments: list[str]
) -> None:
    oversized = b"title,year\n" + b"x" * MAX_IMPORT_BYTES

    result = await import_file(run, "huge.csv", oversized)

    assert result.callback_type == 4  # answered at once, never deferred to download
    assert result.ephemeral
    assert "imports are limited to 2 MiB" in result.message.content
    assert served_attachments == []


async def test_attachment_within_the_size_limit_is_downloaded(
    run: BotRun, served_attachments: list[str]
) -> None:
    await import_file(run, "full.txt", FIXTURE_PAGE.read_bytes())

    assert [path.rsplit("/", 1)[-1] for path in served_attachments] == ["full.txt"]


# ----- export ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_export_returns_a_file_that_reimports_unchanged(run: BotRun, fmt: str) -> None:
    everything = await store_of(run).reviews.scope_reviews(None)

    exported = await run.discord.slash(
        "catalog export", {"format": fmt, "scope": "global"}, user=OWNER_ID
    )
    [(filename, data)] = exported.message.attachments.items()
    reimported = await import_file(run, filename, data, user=OWNER_ID, scope="global")

    assert exported.ephemeral
    assert filename == f"reviews-global.{fmt}"
    assert reimported.message.content == (
        f"Imported {len(everything)} review(s): 0 added, 0 updated, {len(everything)} unchanged."
    )


async def test_export_file_holds_what_was_published(run: BotRun) -> None:
    await publish(run, verdict_text="Patient.")

    exported = await run.discord.slash("catalog export", {"format": "csv"}, user=MODERATOR_ID)

    [data] = exported.message.attachments.values()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert [(r["title"], r["year"], r["directors"], r["verdict_text"]) for r in rows] == [
        ("The Lantern Keeper", "2019", "Wren Calloway", "Patient.")
    ]
    assert exported.message.content == "1 review(s)."


async def test_export_of_an_empty_server_catalog_is_a_valid_empty_file(run: BotRun) -> None:
    exported = await run.discord.slash("catalog export", user=MODERATOR_ID)

    [data] = exported.message.attachments.values()
    assert json.loads(data) == []


async def test_export_past_the_attachment_limit_says_so_and_names_the_cli_command(
    run: BotRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = await store_of(run).reviews.scope_reviews(None)
    whole = len(export_json(everything).encode("utf-8"))
    monkeypatch.setattr("standin.interactions.ATTACHMENT_SIZE_LIMIT", whole // 2)

    exported = await run.discord.slash(
        "catalog export", {"format": "json", "scope": "global"}, user=OWNER_ID
    )

    assert exported.callback_types == [5] and exported.ephemeral  # deferred privately
    assert exported.message.attachments == {}
    assert "larger than Discord's" in exported.message.content
    assert (
        "`reviewbot export --format json --output reviews-global.json`" in exported.message.content
    )


# ----- aliases ---------------------------------------------------------------------------------
async def test_alias_makes_the_film_findable_by_review(run: BotRun) -> None:
    await seed_lantern(run)
    before = await member_review(run, "Signal on the Rocks")

    added = await run.discord.slash(
        "catalog alias",
        {"title": "The Lantern Keeper", "alias": "Signal on the Rocks"},
        user=MODERATOR_ID,
    )

    assert added.ephemeral
    assert added.message.content == f"{LANTERN_CARD} is now also found as: Signal on the Rocks"
    assert card_title(before) is None
    assert card_title(await member_review(run, "Signal on the Rocks")) == LANTERN_CARD


async def test_alias_is_offered_by_review_autocomplete(run: BotRun) -> None:
    seeded = await seed_lantern(run)
    await run.discord.slash(
        "catalog alias",
        {"title": "The Lantern Keeper", "alias": "Signal on the Rocks"},
        user=MODERATOR_ID,
    )

    choices = await run.discord.autocomplete(
        "review", {"title": "signal on"}, focused="title", user=MEMBER_ID
    )

    assert {"name": LANTERN_CARD, "value": f"id:{seeded.id}"} in choices


# ----- issue 12: nothing published that says nothing, hints that work -------------------


async def test_an_empty_form_publishes_nothing(run: BotRun) -> None:
    bare = {"title": "The Lantern Keeper", "year": 2019}
    form = await run.discord.slash("catalog add", bare, user=MODERATOR_ID)
    submitted = await run.discord.submit_modal(
        form.modal, {"Verdict": "", "Full review (optional)": ""}
    )

    assert submitted.ephemeral
    assert "a review needs at least a score, a verdict or verdict text" in (
        submitted.message.content
    )
    assert submitted.message.buttons() == []
    assert await guild_copies(run, "The Lantern Keeper", 2019) == []


async def test_a_form_with_only_a_verdict_text_is_enough(run: BotRun) -> None:
    bare = {"title": "The Lantern Keeper", "year": 2019}
    published = await publish(run, bare, verdict_text="Quiet and precise.")

    assert published.content.startswith(f"Published {LANTERN_CARD}")


async def test_import_of_json_with_a_lone_surrogate_names_the_field(run: BotRun) -> None:
    data = b'[{"title": "Heat \\ud800", "year": 1995, "score": 8}]'

    result = await import_file(run, "surrogate.json", data)

    [reply] = result.followups
    assert reply.ephemeral
    assert "item 1, title: holds '\\ud800', half of a character" in reply.content
    assert "went wrong" not in reply.content
    assert await guild_copies(run, "Heat", 1995) == []


async def test_owner_adding_an_existing_global_film_is_pointed_to_a_global_edit(
    run: BotRun,
) -> None:
    heat = {"title": "Heat", "year": 1995, "score": 5.0, "scope": "global"}
    refused = await run.discord.slash("catalog add", heat, user=OWNER_ID)
    hint = "`/catalog edit title: Heat (1995) scope: global`"
    assert refused.message.content == (
        f"Heat (1995) is already in this catalog. Change it with {hint} instead."
    )

    # The hint, followed, reaches the film.
    edited = await run.discord.slash(
        "catalog edit",
        {"title": "Heat (1995)", "field": "score", "value": "9.1", "scope": "global"},
        user=OWNER_ID,
    )
    assert edited.message.content == "Updated score of Heat (1995)."


async def test_the_restore_hint_after_a_global_delete_works_as_written(run: BotRun) -> None:
    [heat] = await store_of(run).reviews.find_by_title("Heat", 1995, scope=None)
    asked = await run.discord.slash(
        "catalog delete", {"title": "Heat (1995)", "scope": "global"}, user=OWNER_ID
    )
    deleted = await run.discord.click(asked.message, label="Delete", user=OWNER_ID)
    hint = "/catalog restore title: Heat (1995) scope: global"
    assert deleted.message.content == f"Deleted Heat (1995). `{hint}` brings it back."

    restored = await run.discord.slash(
        "catalog restore", {"title": "Heat (1995)", "scope": "global"}, user=OWNER_ID
    )

    assert restored.message.content == "Restored Heat (1995)."
    assert await store_of(run).reviews.get(heat.id or 0) is not None
