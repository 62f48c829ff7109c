"""/help and the sync hash are read from the command tree itself."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from bot.embeds import help_embeds
from bot.help import DESCRIPTION_EXTRA, CommandHelp, command_help
from bot.sync import sync_key, tree_hash


def make_tree(*, extra_option: bool = False) -> app_commands.CommandTree[Any]:
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(
        discord.Client(intents=discord.Intents.none())
    )

    @tree.command(name="review", description="Show a review")
    async def review(interaction: discord.Interaction, title: str, year: int | None = None) -> None:
        pass

    group = app_commands.Group(
        name="catalog",
        description="Curate",
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @group.command(name="add", description="Add a review")
    async def add(interaction: discord.Interaction, title: str) -> None:
        pass

    tree.add_command(group)

    async def find(interaction: discord.Interaction, message: discord.Message) -> None:
        pass

    tree.add_command(
        app_commands.ContextMenu(
            name="Find review", callback=find, extras={DESCRIPTION_EXTRA: "Find it"}
        )
    )
    if extra_option:

        @tree.command(name="stats", description="Numbers")
        async def stats(interaction: discord.Interaction) -> None:
            pass

    return tree


@pytest.fixture
async def tree() -> app_commands.CommandTree[Any]:
    return make_tree()


async def test_help_lists_commands_subcommands_and_context_menus(
    tree: app_commands.CommandTree[Any],
) -> None:
    assert command_help(tree) == [
        CommandHelp("/review title: [year:]", "Show a review", moderators=False),
        CommandHelp("Apps → Find review (on a message)", "Find it", moderators=False),
        CommandHelp("/catalog add title:", "Add a review", moderators=True),
    ]


async def test_help_embeds_split_members_and_moderators(
    tree: app_commands.CommandTree[Any],
) -> None:
    members, moderators = help_embeds(command_help(tree))
    assert "`/review title: [year:]` — Show a review" in members.description
    assert moderators.title == "For moderators"
    assert "`/catalog add title:`" in moderators.description


async def test_help_keeps_within_the_embed_limit_however_many_commands() -> None:
    entries = [CommandHelp(f"/command{n} " + "x" * 90, "d" * 100, False) for n in range(100)]
    [embed] = help_embeds(entries)
    assert embed.description is not None and len(embed.description) <= 4096
    assert embed.description.endswith("…")


async def test_tree_hash_changes_only_when_the_tree_does() -> None:
    assert tree_hash(make_tree(), None) == tree_hash(make_tree(), None)
    assert tree_hash(make_tree(), None) != tree_hash(make_tree(extra_option=True), None)


def test_sync_keys_differ_by_application_and_scope() -> None:
    keys = {sync_key(1, None), sync_key(2, None), sync_key(1, 1001)}
    assert len(keys) == 3
