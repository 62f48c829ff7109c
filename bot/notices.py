"""What the members who asked for a film are told once it is reviewed: the line above
its card, in the server's announcement channel (mentioning them) or in a DM.

:mod:`cogs.notifications` sends it; the card itself is :func:`bot.embeds.review_embed`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from bot.embeds import plain, review_title
from bot.models import ReviewDraft

# Members mentioned by one channel message: 50 mentions and the line stay well within
# a message's 2,000 characters and the 100 users ``allowed_mentions`` may list.
MENTIONS_PER_MESSAGE = 50
SERVER_NAME_LIMIT = 100  # Discord's own limit on a server's name

Member = TypeVar("Member")


def mention_batches(members: Sequence[Member]) -> Iterator[Sequence[Member]]:
    """``members`` in groups small enough to be mentioned by one channel message each."""
    for start in range(0, len(members), MENTIONS_PER_MESSAGE):
        yield members[start : start + MENTIONS_PER_MESSAGE]


def requesters_text(review: ReviewDraft, member_ids: Sequence[int]) -> str:
    """Above the card in the announcement channel: it pings exactly these members."""
    mentions = " ".join(f"<@{member_id}>" for member_id in member_ids)
    return f"{mentions} you asked to hear when {review_title(review)} was reviewed: here it is."


def direct_text(review: ReviewDraft, server_name: str) -> str:
    """Above the card in a requester's DMs, naming the server they asked in."""
    server = plain(server_name, SERVER_NAME_LIMIT)
    return f"You asked in {server} to hear when {review_title(review)} was reviewed: here it is."
