"""Request notifications: the members who asked for a film hear once it is reviewed.

The catalog sync calls :meth:`NotificationsCog.published` for each publication (an add,
an import, a CLI import or another process's change through the feed). For each server
this process serves (``catalog.sync.serves``, so one process acts for it), the request
book closes the requests the new reviews answer, at once and for good
(:meth:`~bot.services.requests.RequestBook.answer`), and says whom to tell: so each
requester is told at most once, whichever process hears of the review.

A review no process heard of (imported from the command line while no bot ran; or
published while the follower was failing, the catalog unreachable) is caught up on
when the bot is ready (the change feed followed, the servers known) and whenever the
follower runs again after a failure: the entries whose film now shows a card in a
served server are answered as /wanted leaves them out
(:meth:`~bot.services.requests.RequestBook.answer_resolved`), and told the same way.

They are told in the server's announcement channel when it has one that works, in
one message with the card that mentions only them; otherwise each by a direct message
with the card. A member whose DMs are closed is not tried again: the request stays
answered, marked undelivered, and /requests shows it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.cards import POSTED, card_view, public_view
from bot.catalog_sync import Published
from bot.embeds import review_embed
from bot.faults import CatalogUnavailable
from bot.models import Announcements, Requester, Review
from bot.notices import direct_text, mention_batches, requesters_text
from bot.replies import report_unexpected
from bot.services.requests import Answer
from bot.shutdown import Background

if TYPE_CHECKING:
    from bot.client import ReviewBot

log = logging.getLogger(__name__)

# What a server's requests are answered by: the new reviews, or the catalog as it is.
Answering = Callable[[int], Awaitable[list[Answer]]]


def only_mentioning(member_ids: Sequence[int]) -> discord.AllowedMentions:
    """Pings exactly these members: never a role, everyone, or anyone else named."""
    return discord.AllowedMentions(
        users=[discord.Object(id=member_id) for member_id in member_ids],
        roles=False,
        everyone=False,
        replied_user=False,
    )


class NotificationsCog(commands.Cog, name="Notifications"):
    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        self._telling = Background("request notification(s)")
        self._ready = asyncio.Event()  # set once the catch-up at start has begun

    async def cog_load(self) -> None:
        self.bot.catalog.sync.on_published(self.published)
        self.bot.catalog.sync.on_recovered(self.catch_up)

    async def cog_unload(self) -> None:
        await self._telling.stop()  # a stop lets the requesters be told

    async def settled(self) -> None:
        """Wait for the notifications already started (tests; the console)."""
        await self._telling.settled()

    async def caught_up(self) -> None:
        """Wait until the catch-up at start has told whom it answers (tests)."""
        await self._ready.wait()
        await self._telling.settled()

    async def published(self, event: Published) -> None:
        reviews = event.reviews

        async def answer(guild_id: int) -> list[Answer]:
            return await self.bot.catalog.requests.answer(guild_id, reviews)

        self._telling.start(self._tell_everywhere(answer, f"{len(reviews)} new review(s)"))

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Once: a gateway reconnecting says "ready" again, but the catalog did not change.
        if not self._ready.is_set():
            await self.catch_up()
            self._ready.set()

    async def catch_up(self) -> None:
        """Answer and tell the requests that reviews already in the catalog answer:
        those published while no process of this bot heard of them."""
        answer = self.bot.catalog.requests.answer_resolved
        self._telling.start(self._tell_everywhere(answer, "reviews already in the catalog"))

    async def _tell_everywhere(self, answer: Answering, by: str) -> None:
        """In each server this process serves with requests waiting: answer them
        (``answer(guild_id)``, once for good) and tell their requesters."""
        try:
            for guild_id in await self.bot.catalog.requests.waiting_servers():
                guild = self.bot.get_guild(guild_id)  # None: the bot left that server
                if guild is not None and self.bot.catalog.sync.serves(guild_id):
                    await self._tell_in(guild, await answer(guild_id))  # else another does
        except CatalogUnavailable:  # the outage is logged once; this says what it cost
            log.warning("requests answered by %s not told", by)
        except Exception as error:
            report_unexpected(error, f"telling requesters answered by {by}")

    async def _tell_in(self, guild: discord.Guild, answers: Sequence[Answer]) -> None:
        if not answers:
            return
        targets = await self.bot.catalog.settings.announcements(guild.id)
        channel = next((target for target in targets if not target.paused), None)
        for answer in answers:
            untold: Sequence[Requester] = answer.requesters
            if channel is not None:
                untold = await self._post(channel, answer)
            await self._send_each(guild, answer.review, untold)

    async def _post(self, target: Announcements, answer: Answer) -> Sequence[Requester]:
        """Tell them in the announcement channel; returns those it could not tell."""
        channel = self.bot.get_partial_messageable(target.channel_id, guild_id=target.guild_id)
        told: list[Requester] = []
        try:
            for batch in mention_batches(answer.requesters):
                member_ids = [requester.member_id for requester in batch]
                await channel.send(
                    requesters_text(answer.review, member_ids),
                    embed=review_embed(answer.review),
                    view=card_view(answer.review, POSTED),
                    allowed_mentions=only_mentioning(member_ids),
                )
                told += batch
        except discord.HTTPException:
            # The announcements pause a channel the bot may no longer post in; whoever
            # this message did not reach is told by DM instead.
            log.warning("could not tell requesters in guild %s", target.guild_id, exc_info=True)
        await self._delivered(told, delivered=True)
        return answer.requesters[len(told) :]

    async def _send_each(
        self, guild: discord.Guild, review: Review, requesters: Sequence[Requester]
    ) -> None:
        """A DM to each requester; one whose DMs are closed is not tried again."""
        told: list[Requester] = []
        untold: list[Requester] = []
        # A server's own review opens only there: its card in a DM gets no buttons.
        view = card_view(review, POSTED) if review.scope is None else public_view(())
        for requester in requesters:
            try:
                dm = await self.bot.create_dm(discord.Object(id=requester.member_id))
                await dm.send(
                    direct_text(review, guild.name), embed=review_embed(review), view=view
                )
            except discord.HTTPException as error:
                log.info("could not DM member %s: %s", requester.member_id, error)
                untold.append(requester)
            else:
                told.append(requester)
        await self._delivered(told, delivered=True)
        await self._delivered(untold, delivered=False)

    async def _delivered(self, requesters: Sequence[Requester], *, delivered: bool) -> None:
        if not requesters:
            return
        await self.bot.catalog.requests.mark_delivery(
            [requester.request_id for requester in requesters], delivered=delivered
        )
        for _ in requesters:
            self.bot.metrics.delivery("notification", "sent" if delivered else "failed")


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(NotificationsCog(bot))
