"""What a card, a review's history and /config show tell a reader, end to end.

The card shows what is known and nothing that is not; the history answers "what
changed?"; a server's settings are in one place. Each test drives the real bot through
the loopback Discord, as a member, a moderator or a server admin would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.embeds import NO_TEXT_NOTE, parse_time
from bot.models import Review
from bot.store import Store
from standin import InteractionResult, LoopbackFile, SentMessage
from tests.conftest import make_review
from tests.e2e.harness import (
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    MODERATOR_ROLE_ID,
    BotRun,
)
from tests.e2e.test_moderation_security import forge_slash, refused

# A page in the critics' site's shape (year, title, tagline, facts, body, score, label,
# verdict), written for these tests.
PAGE = Path(__file__).resolve().parent.parent / "fixtures" / "pages" / "full.txt"
DASH = "—"


def store_of(run: BotRun) -> Store:
    return run.bot.catalog._store  # type: ignore[attr-defined,no-any-return]


async def import_file(run: BotRun, filename: str, data: bytes) -> InteractionResult:
    upload = LoopbackFile(filename, data, "text/plain")
    return await run.discord.slash("catalog import", {"file": upload}, user=MODERATOR_ID)


async def card(run: BotRun, title: str) -> SentMessage:
    return (await run.discord.slash("review", {"title": title}, user=MEMBER_ID)).message


def fields(message: SentMessage) -> dict[str, str]:
    return {str(f["name"]): str(f["value"]) for f in message.embed().get("fields", [])}


def footer(message: SentMessage) -> str:
    return str(message.embed()["footer"]["text"])


async def stored(run: BotRun, title: str, year: int) -> Review:
    [review] = await store_of(run).reviews.find_by_title(title, year, scope=GUILD_ID)
    return review


# -- the card ----------------------------------------------------------------------------

BARE_FILES = {
    "reviews.csv": b"title,year,score\nQuiet Hours,2021,7.5\n",
    # Letterboxd's own export: a rating and nothing else written.
    "letterboxd.csv": (
        b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n"
        b"2024-01-14,Quiet Hours,2021,https://boxd.it/q1,3.5,,,,2024-01-13\n"
    ),
}


async def test_a_card_of_only_a_title_year_and_score_is_clean(run: BotRun) -> None:
    for filename, data in BARE_FILES.items():
        imported = await import_file(run, filename, data)
        assert "1 added" in imported.message.content, imported.message.content

        shown = await card(run, "quiet hours")

        embed = shown.embed()
        assert embed["title"] == "Quiet Hours (2021)"
        assert list(fields(shown)) == ["Score"]
        assert DASH not in json.dumps(embed, ensure_ascii=False)
        review = await stored(run, "Quiet Hours", 2021)
        assert footer(shown) == f"#{review.id}"
        assert parse_time(embed["timestamp"]) == parse_time(review.created_at)
        full = await run.discord.click(shown, label="Read full review")
        assert full.message.embed()["description"] == f"*{NO_TEXT_NOTE}*"
        await run.bot.catalog.curation.delete(  # type: ignore[attr-defined]
            review.id, actor_id=MODERATOR_ID, scope=GUILD_ID
        )


async def test_a_page_import_shows_its_facts_and_genres_once_they_are_known(run: BotRun) -> None:
    await import_file(run, "page.txt", PAGE.read_bytes())

    imported = await card(run, "the cartographers winter")

    assert fields(imported)["Director"] == "Mara Ellison"
    assert fields(imported)["Runtime"] == "1h 58m"
    assert fields(imported)["Cast"].startswith("Ines Okafor, Jonah Reyes")
    assert not {"Genre", "Genres"} & set(fields(imported))  # the page names none
    assert DASH not in json.dumps(imported.embed(), ensure_ascii=False)

    edited = await run.discord.slash(
        "catalog edit",
        {"title": "The Cartographer's Winter", "field": "genres", "value": "Drama; Mystery"},
        user=MODERATOR_ID,
    )
    assert edited.message.content == "Updated genres of The Cartographer's Winter (2021)."

    assert fields(await card(run, "the cartographers winter"))["Genres"] == "Drama · Mystery"


async def test_the_seed_films_card_shows_its_genres(run: BotRun) -> None:
    shown = await card(run, "all of us strangers")

    assert fields(shown)["Genres"] == "Drama · Romance"
    assert list(fields(shown)) == ["Director", "Runtime", "Score", "Genres", "Cast", "Verdict"]


LANTERN = {"title": "The Lantern Keeper", "year": 2019, "score": 8.0, "verdict": "Essential"}


async def add_lantern(run: BotRun, **options: object) -> SentMessage:
    """/catalog add and its form, up to the preview."""
    form = await run.discord.slash("catalog add", {**LANTERN, **options}, user=MODERATOR_ID)
    submitted = await run.discord.submit_modal(form.modal, {"Verdict": "A quiet film."})
    return submitted.message


async def test_the_reviewer_defaults_to_the_moderators_server_name(run: BotRun) -> None:
    run.discord.guild(GUILD_ID).member(MODERATOR_ID).nick = "Mina (film club)"

    preview = await add_lantern(run)
    assert footer(preview) == "Reviewed by Mina (film club) · preview"
    await run.discord.click(preview, label="Publish")

    review = await stored(run, "The Lantern Keeper", 2019)
    assert review.reviewer == "Mina (film club)"
    shown = await card(run, "the lantern keeper")
    assert footer(shown) == f"Reviewed by Mina (film club) · #{review.id}"
    assert parse_time(shown.embed()["timestamp"]) == parse_time(review.created_at)


async def test_a_named_reviewer_is_credited_and_can_be_edited(run: BotRun) -> None:
    await run.discord.click(await add_lantern(run, reviewer="Guest Critic"), label="Publish")
    assert footer(await card(run, "the lantern keeper")).startswith("Reviewed by Guest Critic ·")

    await run.discord.slash(
        "catalog edit",
        {"title": "The Lantern Keeper", "field": "reviewer", "value": "Ada Morrow"},
        user=MODERATOR_ID,
    )

    assert footer(await card(run, "the lantern keeper")).startswith("Reviewed by Ada Morrow ·")


# -- history -----------------------------------------------------------------------------


async def history(run: BotRun, title: str) -> InteractionResult:
    return await run.discord.slash("catalog history", {"title": title}, user=MODERATOR_ID)


def entries(message: SentMessage) -> list[list[str]]:
    """Each entry of a history page: its header line, then one line per changed field."""
    return [block.splitlines() for block in message.embed()["description"].split("\n\n")]


async def test_history_shows_the_old_and_new_score_with_a_timestamp(run: BotRun) -> None:
    lantern = make_review("The Lantern Keeper", 2019, score=8.0, verdict="E", scope=GUILD_ID)
    added = await run.bot.catalog.curation.add(lantern, actor_id=MODERATOR_ID)  # type: ignore[attr-defined]
    await run.discord.slash(
        "catalog edit",
        {"title": "The Lantern Keeper", "field": "score", "value": "9.3"},
        user=MODERATOR_ID,
    )

    shown = await history(run, "The Lantern Keeper")

    assert shown.ephemeral
    newest = entries(shown.message)[0]
    assert newest[1:] == ["• score: 8.0 → 9.3"]
    when = re.fullmatch(rf"<t:(\d+):f> · \*\*edited\*\* by <@{MODERATOR_ID}>", newest[0])
    assert when is not None, newest[0]
    [_, edit] = await store_of(run).reviews.history(added.id)
    assert int(when[1]) == int(parse_time(edit.at).timestamp())  # type: ignore[union-attr]


async def test_an_import_entry_says_what_it_brought_and_then_what_it_changed(
    run: BotRun,
) -> None:
    await import_file(run, "reviews.csv", b"title,year,score\nQuiet Hours,2021,7.5\n")
    await import_file(
        run, "reviews.csv", b"title,year,score,genres\nQuiet Hours,2021,8.5,Drama;Romance\n"
    )

    shown = await history(run, "Quiet Hours")

    [updated, added] = entries(shown.message)
    assert updated[0].endswith(f"· **imported** by <@{MODERATOR_ID}>")
    assert updated[1:] == ["• score: 7.5 → 8.5", "• genres: (empty) → Drama, Romance"]
    assert added == [added[0]]
    assert added[0].endswith(f"· **imported (3 fields)** by <@{MODERATOR_ID}>")


async def test_a_long_history_is_paged(run: BotRun) -> None:
    await import_file(run, "reviews.csv", b"title,year,score\nQuiet Hours,2021,1\n")
    for score in range(2, 11):
        await run.discord.slash(
            "catalog edit",
            {"title": "Quiet Hours", "field": "score", "value": str(score)},
            user=MODERATOR_ID,
        )

    shown = await history(run, "Quiet Hours")

    assert [button["label"] for button in shown.message.buttons()] == ["Previous", "1/2", "Next"]
    assert entries(shown.message)[0][1:] == ["• score: 9.0 → 10.0"]
    assert shown.message.embed()["footer"]["text"] == "Page 1/2 · 10 changes, newest first"
    second = await run.discord.click(shown.message, label="Next")
    [edit, imported] = entries(second.message)
    assert edit[1:] == ["• score: 1.0 → 2.0"]
    assert imported[0].endswith(f"· **imported (3 fields)** by <@{MODERATOR_ID}>")
    assert second.message.embed()["footer"]["text"] == "Page 2/2 · 10 changes, newest first"


# -- /config show ------------------------------------------------------------------------


async def config_show(run: BotRun, user: int = MODERATOR_ID) -> InteractionResult:
    return await run.discord.slash("config show", user=user)


async def test_config_show_lists_the_channel_and_role_after_they_are_set(run: BotRun) -> None:
    before = await config_show(run)
    assert before.ephemeral
    assert fields(before.message)["Announcements"].startswith("Off.")
    assert fields(before.message)["Moderator role"].startswith("None:")

    await run.discord.slash("config announce", {"channel": CHANNEL_ID}, user=MODERATOR_ID)
    await run.discord.slash("config modrole", {"role": MODERATOR_ROLE_ID}, user=MODERATOR_ID)
    after = await config_show(run)

    shown = fields(after.message)
    assert after.ephemeral
    assert shown["Moderator role"].startswith(f"<@&{MODERATOR_ROLE_ID}>, and members with")
    assert "`/config modrole role:`" in shown["Moderator role"]
    assert shown["Announcements"].startswith(f"<#{CHANNEL_ID}>: each newly published review")
    assert "`/config announce channel:`" in shown["Announcements"]
    assert shown["Review requests"].startswith("0 waiting, of at most 5,000 kept in this server")
    assert "each member may have 50 open" in shown["Review requests"]
    assert not after.message.pings().anyone


async def test_config_show_says_announcements_are_paused_and_why(run: BotRun) -> None:
    await run.discord.slash("config announce", {"channel": CHANNEL_ID}, user=MODERATOR_ID)
    await run.bot.catalog.settings.pause_announcements(  # type: ignore[attr-defined]
        GUILD_ID, "that channel no longer exists"
    )

    shown = fields((await config_show(run)).message)["Announcements"]

    assert shown.startswith(f"<#{CHANNEL_ID}>, **paused**: that channel no longer exists.")


async def test_config_show_is_refused_to_a_member_without_manage_server(run: BotRun) -> None:
    await run.discord.slash("config modrole", {"role": MODERATOR_ROLE_ID}, user=MODERATOR_ID)

    # Discord hides /config from them; a forged command must still be refused.
    result = await forge_slash(run, "config show", user=MEMBER_ID)

    assert refused(result, "You are missing Manage Server permission(s) to run this command.")
    assert result.message.embeds == []
