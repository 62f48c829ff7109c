"""Who may curate which part of the catalog, checked against the real bot.

Default permissions only hide /catalog in the Discord client; server admins can
change them and a modified client can send any interaction. So these tests also
*forge* interactions the client would not offer (a hidden command, a press on a
moderator's private preview) and check the bot's own run-time checks refuse them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.models import Review
from bot.permissions import NotModerator, NotOwner
from bot.store import Store
from standin import InteractionResult, LoopbackFile, SentMessage
from standin.commands import build_options, resolve_path
from standin.interactions import Resolver, Where, interaction_payload, new_token
from tests.conftest import make_review
from tests.e2e.harness import (
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    MODERATOR_ROLE_ID,
    OTHER_CHANNEL_ID,
    OTHER_GUILD_ID,
    OTHER_MODERATOR_ID,
    OWNER_ID,
    BotRun,
)

NOT_MODERATOR = str(NotModerator())
NOT_OWNER = str(NotOwner())
CRITIC_ID = 3101
CRITIC_ROLE_ID = 4101

FILM = {"title": "The Lantern Keeper", "year": 2019, "score": 8.0, "director": "Wren Calloway"}
PAGE = b"""2019

The Lantern Keeper

  \xe2\x80\xa2 97 minutes
  \xe2\x80\xa2 Directed by Wren Calloway

A quiet film about a lighthouse.

8 /10

Essential

Patient and luminous.
"""


# ----- helpers: the world and the catalog ---------------------------------------------------
def store_of(run: BotRun) -> Store:
    return run.bot.catalog._store  # type: ignore[attr-defined,no-any-return]


async def everything(run: BotRun) -> list[Review]:
    """Every stored review in every scope, deleted ones too: any write changes this."""
    store = store_of(run)
    return [
        review
        for scope in (None, GUILD_ID, OTHER_GUILD_ID)
        for review in await store.reviews.scope_reviews(scope, include_deleted=True)
    ]


async def seed(run: BotRun, title: str, *, scope: int | None, deleted: bool = False) -> Review:
    catalog = run.bot.catalog  # type: ignore[attr-defined]
    review = await catalog.curation.add(
        make_review(title, 2019, scope=scope), actor_id=MODERATOR_ID
    )
    if deleted:
        review = await catalog.curation.delete(review.id, actor_id=MODERATOR_ID, scope=scope)
    return review  # type: ignore[no-any-return]


async def open_preview(
    run: BotRun, *, user: int = MODERATOR_ID, channel: int = CHANNEL_ID, **options: Any
) -> SentMessage:
    """/catalog add and its form, as ``user``; returns the ephemeral preview."""
    form = await run.discord.slash("catalog add", {**FILM, **options}, user=user, channel=channel)
    return (await run.discord.submit_modal(form.modal, {"Verdict": "Patient."})).message


async def demote(run: BotRun, user_id: int = MODERATOR_ID) -> None:
    """Take the moderator role away, as a server admin would mid-conversation."""
    run.discord.guild(GUILD_ID).member(user_id).role_ids.remove(MODERATOR_ROLE_ID)
    await run.discord.sync_guild(GUILD_ID)


def admins_allow_for_everyone(run: BotRun, command: str) -> None:
    """Server Settings → Integrations: admins let everyone see ``command``.

    Discord then shows the command regardless of its default permissions; the
    stand-in models that by dropping them from the synced command.
    """
    synced = [c for cs in run.discord.synced_commands.values() for c in cs if c["name"] == command]
    assert synced, f"/{command} was never synced"
    for found in synced:
        found["default_member_permissions"] = None


@pytest.fixture
async def critic(run: BotRun) -> int:
    """A member whose only role ("Critic") grants no Manage Server."""
    run.discord.add_role(GUILD_ID, CRITIC_ROLE_ID, "Critic", 0)
    run.discord.add_member(GUILD_ID, CRITIC_ID, "critic", roles=[CRITIC_ROLE_ID])
    await run.discord.sync_guild(GUILD_ID)
    admins_allow_for_everyone(run, "catalog")
    return CRITIC_ID


# ----- helpers: forged interactions -----------------------------------------------------------
async def forge(
    run: BotRun,
    kind: int,
    data: dict[str, Any] | Callable[[Where], dict[str, Any]],
    *,
    user: int,
    channel: int = CHANNEL_ID,
    message: SentMessage | None = None,
) -> InteractionResult:
    """Dispatch an INTERACTION_CREATE the Discord client would not have offered ``user``."""
    state = run.discord.state
    found = state.channel(channel)
    assert found is not None and found.guild_id is not None
    where = Where(state.user(user), state.guild(found.guild_id), found)
    interaction_id = state.ids.next()
    token = new_token(interaction_id)
    payload = interaction_payload(
        state,
        interaction_id=interaction_id,
        token=token,
        kind=kind,
        data=data(where) if callable(data) else data,
        where=where,
        message=message,
    )
    result = InteractionResult(interaction_id, token, kind, payload, where.user, state.feed)
    state.interactions[token] = result
    await run.discord.dispatch("INTERACTION_CREATE", payload, processed=False)
    await state.feed.wait_until(
        lambda: result.complete,
        within=state.timeout,
        describe=lambda: f"the bot never answered the forged {payload['data']}",
    )
    return result


def _command_data(
    run: BotRun, path: str, options: dict[str, Any], focused: str | None
) -> Callable[[Where], dict[str, Any]]:
    """The ``data`` of ``/path``, built once the forged interaction's place is known."""
    root, _, sub = path.partition(" ")

    def build(where: Where) -> dict[str, Any]:
        command = run.discord.state.commands.find(root, where.guild.id if where.guild else None)
        assert command is not None, f"/{root} was never synced"
        resolver = Resolver(run.discord.state, where)
        leaf, wrap = resolve_path(command, None, sub or None)
        built = build_options(leaf, options, resolve_entity=resolver, focused=focused)
        data: dict[str, Any] = {"id": command["id"], "name": root, "type": 1}
        data["options"] = wrap(built)
        if resolver.resolved:
            data["resolved"] = resolver.resolved
        return data

    return build


async def forge_slash(
    run: BotRun, path: str, options: dict[str, Any] | None = None, *, user: int
) -> InteractionResult:
    """Invoke ``/path`` as ``user`` even though the client hides it from them."""
    return await forge(run, 2, _command_data(run, path, options or {}, None), user=user)


async def forge_autocomplete(
    run: BotRun, path: str, options: dict[str, Any], focused: str, *, user: int
) -> list[dict[str, Any]]:
    result = await forge(run, 4, _command_data(run, path, options, focused), user=user)
    return result.choices


async def forge_press(
    run: BotRun, message: SentMessage, label: str, *, user: int
) -> InteractionResult:
    """Press a button on someone else's private message (the client cannot even show it)."""
    data = {"custom_id": message.button(label)["custom_id"], "component_type": 2}
    return await forge(run, 3, data, user=user, message=run.discord.messages[message.id])


def refused(result: InteractionResult, text: str = NOT_MODERATOR) -> bool:
    return result.modal_sent is None and result.ephemeral and result.message.content == text


# ----- plain members ----------------------------------------------------------------------------
MEMBER_ATTEMPTS: dict[str, dict[str, Any]] = {
    "add": FILM,
    "edit": {"title": "Guild Film", "field": "score", "value": "1"},
    "delete": {"title": "Guild Film"},
    "restore": {"title": "Deleted Film"},
    "import": {"file": LoopbackFile("page.txt", PAGE, "text/plain")},
    "export": {},
    "alias": {"title": "Guild Film", "alias": "Member Alias"},
    "history": {"title": "Guild Film"},
}


@pytest.fixture
async def guild_films(run: BotRun) -> None:
    """Something in the guild for each subcommand to change or reveal."""
    await seed(run, "Guild Film", scope=GUILD_ID)
    await seed(run, "Deleted Film", scope=GUILD_ID, deleted=True)


def test_member_attempts_cover_every_catalog_subcommand(run: BotRun) -> None:
    catalog = run.discord.state.commands.find("catalog", GUILD_ID)
    assert catalog is not None
    assert {option["name"] for option in catalog["options"]} == set(MEMBER_ATTEMPTS)


@pytest.mark.parametrize("subcommand", list(MEMBER_ATTEMPTS))
@pytest.mark.usefixtures("guild_films")
async def test_plain_member_is_refused_every_catalog_subcommand_and_nothing_changes(
    run: BotRun, subcommand: str
) -> None:
    before = await everything(run)

    result = await forge_slash(
        run, f"catalog {subcommand}", MEMBER_ATTEMPTS[subcommand], user=MEMBER_ID
    )

    assert refused(result)
    assert result.message.attachments == {}
    assert await everything(run) == before


def test_default_permissions_hide_catalog_from_plain_members_only(run: BotRun) -> None:
    assert not run.discord.can_use_command("catalog", user=MEMBER_ID, guild=GUILD_ID)
    assert run.discord.can_use_command("catalog", user=MODERATOR_ID, guild=GUILD_ID)


async def test_plain_member_is_refused_when_admins_show_catalog_to_everyone(
    run: BotRun,
) -> None:
    admins_allow_for_everyone(run, "catalog")

    result = await run.discord.slash("catalog add", FILM, user=MEMBER_ID)

    assert refused(result)


@pytest.mark.usefixtures("guild_films")
async def test_restore_autocomplete_reveals_no_deleted_titles_to_plain_members(
    run: BotRun,
) -> None:
    moderator_sees = await run.discord.autocomplete(
        "catalog restore", {"title": "deleted"}, focused="title", user=MODERATOR_ID
    )

    member_sees = await forge_autocomplete(
        run, "catalog restore", {"title": "deleted"}, "title", user=MEMBER_ID
    )

    assert [c["name"] for c in moderator_sees] == ["Deleted Film (2019)"]
    assert member_sees == []


# ----- buttons and forms re-check at press time ----------------------------------------------
async def test_plain_member_pressing_a_moderators_publish_is_refused_and_nothing_written(
    run: BotRun,
) -> None:
    preview = await open_preview(run)
    before = await everything(run)

    press = await forge_press(run, preview, "Publish", user=MEMBER_ID)

    assert refused(press)
    assert await everything(run) == before


async def test_publish_pressed_after_losing_the_moderator_role_is_refused(run: BotRun) -> None:
    preview = await open_preview(run)
    before = await everything(run)
    await demote(run)

    press = await run.discord.click(preview, label="Publish")

    assert refused(press)
    assert await everything(run) == before


async def test_plain_member_pressing_a_moderators_delete_is_refused_and_review_kept(
    run: BotRun,
) -> None:
    await seed(run, "Guild Film", scope=GUILD_ID)
    asked = await run.discord.slash("catalog delete", {"title": "Guild Film"}, user=MODERATOR_ID)
    before = await everything(run)

    press = await forge_press(run, asked.message, "Delete", user=MEMBER_ID)

    assert refused(press)
    assert await everything(run) == before


async def test_delete_pressed_after_losing_the_moderator_role_is_refused(run: BotRun) -> None:
    await seed(run, "Guild Film", scope=GUILD_ID)
    asked = await run.discord.slash("catalog delete", {"title": "Guild Film"}, user=MODERATOR_ID)
    before = await everything(run)
    await demote(run)

    press = await run.discord.click(asked.message, label="Delete")

    assert refused(press)
    assert await everything(run) == before


async def test_edit_form_submitted_after_losing_the_moderator_role_is_refused(
    run: BotRun,
) -> None:
    await seed(run, "Guild Film", scope=GUILD_ID)
    opened = await run.discord.slash(
        "catalog edit", {"title": "Guild Film", "field": "score"}, user=MODERATOR_ID
    )
    before = await everything(run)
    await demote(run)

    submitted = await run.discord.submit_modal(opened.modal, {"score": "1"})

    assert refused(submitted)
    assert await everything(run) == before


# ----- one guild's moderators and another guild's reviews ------------------------------------
@pytest.fixture
async def other_guild_film(run: BotRun) -> Review:
    """Added through /catalog in the other guild by that guild's moderator."""
    preview = await open_preview(
        run, user=OTHER_MODERATOR_ID, channel=OTHER_CHANNEL_ID, title="Other Club Film"
    )
    await run.discord.click(preview, label="Publish")
    [review] = await store_of(run).reviews.find_by_title(
        "Other Club Film", 2019, scope=OTHER_GUILD_ID
    )
    return review


async def test_other_guilds_review_is_found_there(run: BotRun, other_guild_film: Review) -> None:
    found = await run.discord.slash(
        "review", {"title": "Other Club Film"}, user=MEMBER_ID, channel=OTHER_CHANNEL_ID
    )

    assert found.message.embed()["title"] == "Other Club Film (2019)"


async def test_other_guilds_review_is_not_found_from_this_guild(
    run: BotRun, other_guild_film: Review
) -> None:
    found = await run.discord.slash("review", {"title": "Other Club Film"}, user=MODERATOR_ID)

    assert found.message.embeds == []
    assert "Other Club Film (2019)" not in found.message.content


@pytest.mark.parametrize(
    ("subcommand", "options"),
    [
        ("edit", {"field": "score", "value": "1"}),
        ("delete", {}),
        ("alias", {"alias": "Stolen"}),
        ("history", {}),
    ],
)
@pytest.mark.parametrize("by", ["title", "autocomplete id"])
async def test_moderator_cannot_reach_another_guilds_review(
    run: BotRun, other_guild_film: Review, subcommand: str, options: dict[str, Any], by: str
) -> None:
    title = "Other Club Film" if by == "title" else f"id:{other_guild_film.id}"
    before = await everything(run)

    result = await run.discord.slash(
        f"catalog {subcommand}", {"title": title, **options}, user=MODERATOR_ID
    )

    assert refused(result, f"No review matches “{title}”.")
    assert await everything(run) == before


async def test_restore_by_id_does_not_reveal_another_guilds_deleted_review(
    run: BotRun,
) -> None:
    hidden = await seed(run, "Secret Club Film", scope=OTHER_GUILD_ID, deleted=True)
    before = await everything(run)

    result = await run.discord.slash(
        "catalog restore", {"title": f"id:{hidden.id}"}, user=MODERATOR_ID
    )

    assert refused(result, f"No deleted review matches “id:{hidden.id}”.")
    assert await everything(run) == before


async def test_export_holds_only_this_guilds_reviews(run: BotRun, other_guild_film: Review) -> None:
    await seed(run, "Guild Film", scope=GUILD_ID)

    exported = await run.discord.slash("catalog export", user=MODERATOR_ID)

    [data] = exported.message.attachments.values()
    assert b"Guild Film" in data
    assert b"Other Club Film" not in data
    assert b"Heat" not in data


# ----- the global catalog belongs to the bot's owners --------------------------------------
@pytest.mark.parametrize(
    ("subcommand", "options"),
    [
        ("edit", {"field": "score", "value": "1"}),
        ("delete", {}),
        ("alias", {"alias": "Stolen"}),
    ],
)
async def test_guild_moderator_cannot_change_a_global_review_from_the_guild(
    run: BotRun, subcommand: str, options: dict[str, Any]
) -> None:
    before = await everything(run)

    result = await run.discord.slash(
        f"catalog {subcommand}", {"title": "Heat 1995", **options}, user=MODERATOR_ID
    )

    assert refused(
        result,
        "Heat (1995) belongs to the global catalog, which only the bot's owners change. To give "
        "this server its own review of it, which members here see instead, use "
        "`/catalog add title: Heat year: 1995`.",
    )
    assert await everything(run) == before


@pytest.mark.parametrize(
    ("subcommand", "options"),
    [
        ("add", FILM),
        ("edit", {"title": "Heat 1995", "field": "score", "value": "1"}),
        ("delete", {"title": "Heat 1995"}),
        ("restore", {"title": "Heat 1995"}),
        ("import", {"file": LoopbackFile("page.txt", PAGE, "text/plain")}),
        ("export", {}),
        ("alias", {"title": "Heat 1995", "alias": "Stolen"}),
    ],
)
async def test_guild_moderator_is_refused_the_global_scope(
    run: BotRun, subcommand: str, options: dict[str, Any]
) -> None:
    before = await everything(run)

    result = await run.discord.slash(
        f"catalog {subcommand}", {**options, "scope": "global"}, user=MODERATOR_ID
    )

    assert refused(result, NOT_OWNER)
    assert result.message.attachments == {}
    assert await everything(run) == before


async def test_owner_publishes_to_the_global_catalog_seen_in_every_guild(run: BotRun) -> None:
    preview = await open_preview(run, user=OWNER_ID, scope="global")
    await run.discord.click(preview, label="Publish")

    found = await run.discord.slash(
        "review", {"title": "The Lantern Keeper"}, user=MEMBER_ID, channel=OTHER_CHANNEL_ID
    )

    assert found.message.embed()["title"] == "The Lantern Keeper (2019)"
    assert (
        len(await store_of(run).reviews.find_by_title("The Lantern Keeper", 2019, scope=None)) == 1
    )


async def test_owner_edits_a_global_review_with_the_global_scope(run: BotRun) -> None:
    result = await run.discord.slash(
        "catalog edit",
        {"title": "Heat 1995", "field": "score", "value": "9.9", "scope": "global"},
        user=OWNER_ID,
    )

    assert result.message.content == "Updated score of Heat (1995)."
    [heat] = await store_of(run).reviews.find_by_title("Heat", 1995, scope=None)
    assert heat.score == 9.9


# ----- /config modrole ---------------------------------------------------------------------
async def set_modrole(run: BotRun, role_id: int | None) -> InteractionResult:
    options = {} if role_id is None else {"role": role_id}
    return await run.discord.slash("config modrole", options, user=MODERATOR_ID)


async def test_role_member_is_refused_before_the_role_is_the_moderator_role(
    run: BotRun, critic: int
) -> None:
    result = await run.discord.slash("catalog add", FILM, user=critic)

    assert refused(result)


async def test_modrole_confirms_privately_without_pinging_the_role(
    run: BotRun, critic: int
) -> None:
    result = await set_modrole(run, CRITIC_ROLE_ID)

    assert result.ephemeral
    assert result.message.content.startswith(f"Members with <@&{CRITIC_ROLE_ID}> can now use")
    assert not result.message.pings().anyone
    assert await store_of(run).guilds.mod_role(GUILD_ID) == CRITIC_ROLE_ID


async def test_role_member_can_publish_after_modrole(run: BotRun, critic: int) -> None:
    await set_modrole(run, CRITIC_ROLE_ID)

    preview = await open_preview(run, user=critic)
    published = await run.discord.click(preview, label="Publish")

    assert published.message.content.startswith("Published The Lantern Keeper (2019)")
    [stored] = await store_of(run).reviews.find_by_title("The Lantern Keeper", 2019, scope=GUILD_ID)
    assert stored.created_by == critic


async def test_clearing_modrole_refuses_role_members_again(run: BotRun, critic: int) -> None:
    await set_modrole(run, CRITIC_ROLE_ID)

    asked = await set_modrole(run, None)
    assert asked.ephemeral and "Clear the moderator role" in asked.message.content
    assert await store_of(run).guilds.mod_role(GUILD_ID) == CRITIC_ROLE_ID  # not before the press
    cleared = await run.discord.click(asked.message, label="Clear", user=MODERATOR_ID)
    result = await run.discord.slash("catalog add", FILM, user=critic)

    assert cleared.message.content == "Cleared: only members with Manage Server can use /catalog."
    assert refused(result)


async def test_modrole_without_a_role_clears_nothing_until_confirmed(
    run: BotRun, critic: int
) -> None:
    await set_modrole(run, CRITIC_ROLE_ID)

    asked = await set_modrole(run, None)
    kept = await run.discord.click(asked.message, label="Cancel", user=MODERATOR_ID)

    assert kept.message.content == "Kept: the moderator role is unchanged."
    assert await store_of(run).guilds.mod_role(GUILD_ID) == CRITIC_ROLE_ID
    assert asked.message.allowed_mentions == {"parse": []}


async def test_modrole_without_a_role_when_none_is_set_says_how_to_set_one(run: BotRun) -> None:
    answer = await set_modrole(run, None)

    assert answer.ephemeral and answer.message.components == []
    assert "`/config modrole role: @Moderators`" in answer.message.content
    assert await store_of(run).guilds.mod_role(GUILD_ID) is None


async def test_modrole_does_not_reach_another_guild(run: BotRun, critic: int) -> None:
    await set_modrole(run, CRITIC_ROLE_ID)
    run.discord.add_member(OTHER_GUILD_ID, critic, "critic")
    await run.discord.sync_guild(OTHER_GUILD_ID)

    result = await run.discord.slash("catalog add", FILM, user=critic, channel=OTHER_CHANNEL_ID)

    assert refused(result)


@pytest.mark.parametrize("asker", [MEMBER_ID, CRITIC_ID], ids=["plain member", "role member"])
async def test_modrole_is_refused_without_manage_server(
    run: BotRun, critic: int, asker: int
) -> None:
    await set_modrole(run, CRITIC_ROLE_ID)

    result = await forge_slash(run, "config modrole", {"role": GUILD_ID}, user=asker)

    assert refused(result, "You are missing Manage Server permission(s) to run this command.")
    assert await store_of(run).guilds.mod_role(GUILD_ID) == CRITIC_ROLE_ID


def test_default_permissions_hide_config_from_members_without_manage_server(
    run: BotRun,
) -> None:
    assert not run.discord.can_use_command("config", user=MEMBER_ID, guild=GUILD_ID)
    assert run.discord.can_use_command("config", user=MODERATOR_ID, guild=GUILD_ID)


async def test_modrole_refuses_the_everyone_role(run: BotRun) -> None:
    result = await set_modrole(run, GUILD_ID)  # @everyone shares the guild's id

    assert result.ephemeral
    assert "@everyone" in result.message.content
    assert await store_of(run).guilds.mod_role(GUILD_ID) is None
