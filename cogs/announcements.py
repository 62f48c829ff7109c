"""Announcements: every newly published review is posted to the channel a server chose.

The catalog sync calls :meth:`AnnouncementsCog.announce` for each publication (an add, an
import, or a change another process made). Posting runs in the background, so a
moderator's Publish never waits on other servers' channels, and goes through
discord.py's rate limiting. A channel the bot cannot post in pauses that server's
announcements and its moderators hear of it once, on their next command.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards import POSTED, card_view
from bot.catalog_sync import Published
from bot.embeds import digest_embed, review_embed
from bot.faults import CatalogUnavailable
from bot.models import Announcements, Review
from bot.permissions import Actor, is_moderator
from bot.replies import report_unexpected
from bot.shutdown import Background

if TYPE_CHECKING:
    from bot.client import ReviewBot

log = logging.getLogger(__name__)

NEW_REVIEW = "New in the catalog:"


def problem_text(error: discord.HTTPException) -> str:
    if isinstance(error, discord.Forbidden):
        return "I'm not allowed to post there (I need View Channel, Send Messages and Embed Links)"
    return "that channel no longer exists"


def problem_note(target: Announcements) -> str:
    return (
        f"Heads up: I couldn't post the latest new review in <#{target.channel_id}>: "
        f"{target.problem}. Announcements are paused until someone with Manage Server runs "
        "`/config announce channel:` again."
    )


class AnnouncementsCog(commands.Cog, name="Announcements"):
    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        self._posting = Background("announcement(s)")
        self._untold: set[int] = set()  # guilds whose moderators must hear of a problem

    async def cog_load(self) -> None:
        targets = await self.bot.catalog.settings.announcements()
        self._untold = {t.guild_id for t in targets if t.paused and not t.problem_told}
        self.bot.catalog.sync.on_published(self.announce)

    async def cog_unload(self) -> None:
        await self._posting.stop()  # a stop lets them be posted

    async def settled(self) -> None:
        """Wait for the posts already started (tests; an orderly shutdown)."""
        await self._posting.settled()

    async def announce(self, event: Published) -> None:
        self._posting.start(self._post_everywhere(event.reviews))

    async def _post_everywhere(self, reviews: Sequence[Review]) -> None:
        """Post in every server this process serves; nothing dropped goes unsaid."""
        try:
            await self._post_where_served(reviews)
        except CatalogUnavailable:  # the outage is logged once; this says what it cost
            log.warning("%d new review(s) not announced: the catalog is unavailable", len(reviews))
        except Exception as error:
            report_unexpected(error, f"announcing {len(reviews)} new review(s)")

    async def _post_where_served(self, reviews: Sequence[Review]) -> None:
        sync = self.bot.catalog.sync
        for target in await self.bot.catalog.settings.announcements():
            if not sync.serves(target.guild_id):
                continue  # another process serves it, and announces there
            # A server hears of global reviews and its own, never another server's.
            visible = [review for review in reviews if review.scope in (None, target.guild_id)]
            if visible and not target.paused:
                await self._post(target, visible)

    async def _post(self, target: Announcements, reviews: Sequence[Review]) -> None:
        channel = self.bot.get_partial_messageable(target.channel_id, guild_id=target.guild_id)
        try:
            if len(reviews) == 1:
                [review] = reviews
                await channel.send(
                    NEW_REVIEW, embed=review_embed(review), view=card_view(review, POSTED)
                )
            else:
                await channel.send(embed=digest_embed(reviews))
            log.info("announced %d new review(s) in guild %s", len(reviews), target.guild_id)
        except (discord.Forbidden, discord.NotFound) as error:
            self.bot.metrics.delivery("announcement", "failed")
            # Retrying would fail the same way for every review: pause and tell once.
            log.warning("announcements paused in guild %s: %s", target.guild_id, error)
            await self.bot.catalog.settings.pause_announcements(
                target.guild_id, problem_text(error)
            )
            self._untold.add(target.guild_id)
        except discord.HTTPException:
            self.bot.metrics.delivery("announcement", "failed")
            log.warning("could not announce in guild %s", target.guild_id, exc_info=True)
        else:
            self.bot.metrics.delivery("announcement", "sent")

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command[Any, ..., Any]
    ) -> None:
        """Tell a moderator, once, that announcements stopped."""
        guild_id = interaction.guild_id
        if guild_id is None or guild_id not in self._untold:
            return
        if interaction.response.type is discord.InteractionResponseType.modal:
            return  # a form is open; the next command can carry the note
        actor = Actor.from_user(interaction.user, interaction.permissions)
        settings = self.bot.catalog.settings
        if not await is_moderator(actor, settings, self.bot.settings.owner_ids):
            return
        targets = await settings.announcements(guild_id)
        target = targets[0] if targets else None
        if target is None or not target.paused:
            self._untold.discard(guild_id)
            return
        try:
            await interaction.followup.send(problem_note(target), ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell guild %s's moderators", guild_id, exc_info=True)
            return
        self._untold.discard(guild_id)
        await settings.mark_announce_problem_told(guild_id)


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(AnnouncementsCog(bot))
