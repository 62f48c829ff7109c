"""/config's guard for the server it runs in (Discord offers the group only in servers)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import discord
import pytest
from discord import app_commands

from bot.replies import user_message
from cogs.settings import server_id


def interaction_in(guild_id: int | None) -> discord.Interaction:
    return cast(discord.Interaction, SimpleNamespace(guild_id=guild_id))


def test_config_names_the_server_it_is_used_in() -> None:
    assert server_id(interaction_in(1001)) == 1001


def test_config_outside_a_server_tells_the_member_why() -> None:
    with pytest.raises(app_commands.NoPrivateMessage) as caught:
        server_id(interaction_in(None))
    assert user_message(caught.value) == "That only works inside a server."
