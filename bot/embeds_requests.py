"""Layout of what review requests show: the answer to a press of "Tell me when it's
reviewed", a member's /requests, and the moderators' /wanted queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import discord

from bot.embeds import INFO_COLOUR, discord_time, plain
from bot.models import MemberRequest, Review
from bot.services.requests import (
    MAX_OPEN_PER_MEMBER,
    MAX_PER_SERVER,
    RequestOutcome,
    WantedFilm,
)

WANTED_PER_PAGE = 5
SPELLINGS_SHOWN = 5
TITLE_CHARS = 80
# An embed description holds 4,096 characters: room for the "…and N more." line.
DESCRIPTION_ROOM = 4_000


def request_text(outcome: RequestOutcome) -> str:
    """The private answer to a press of the request button."""
    title = f"**{plain(outcome.title, TITLE_CHARS)}**"
    if outcome.outcome == "recorded":
        return f"I'll tell you when {title} is reviewed. `/requests` lists yours."
    if outcome.outcome == "already requested":
        return (
            f"You already asked for {title}; I'll tell you when it is reviewed. "
            "`/requests` lists yours."
        )
    if outcome.outcome == "member limit":
        return (
            f"You have {MAX_OPEN_PER_MEMBER} open requests, the most one member may hold: "
            "cancel one with `/requests` to ask for another."
        )
    if outcome.outcome == "server full":
        return (
            f"This server has {MAX_PER_SERVER:,} open requests, the most it may hold, so "
            f"{title} was not recorded; ask a moderator to look at `/wanted`."
        )
    if outcome.outcome == "reviewed":
        return f"{title} is already reviewed:"
    return f"{title} doesn't name a film; look it up with `/review` first."


# How /requests marks an answer the member was not told of, and what the mark means:
# telling them failed (their DMs closed), or it has not happened yet.
UNTOLD_MARKS = {
    "undeliverable": ("✅", "Reviewed, but my message could not reach you (are your DMs closed?)"),
    "pending": ("⏳", "Reviewed; the message telling you has not been sent yet"),
}


def requests_embed(
    requests: Sequence[MemberRequest], answers: Mapping[int, Review]
) -> discord.Embed:
    """A member's requests: the open ones, and answers they were not told of
    (``answers`` by review id), marked by why, with a footer saying what each mark means."""
    lines = []
    marks: dict[str, str] = {}
    for request in requests:
        asked = f"{plain(request.query, TITLE_CHARS)} (asked {discord_time(request.asked_at, 'R')})"
        review = answers.get(request.review_id or 0)
        if request.state == "answered" and review is not None:
            mark, meaning = UNTOLD_MARKS[
                "pending" if request.delivery == "pending" else "undeliverable"
            ]
            marks[mark] = meaning
            lines.append(
                f"{mark} {asked}: reviewed as **{plain(review.display_title, TITLE_CHARS)}**"
            )
        elif request.state == "open":
            lines.append(f"🔔 {asked}")
    embed = discord.Embed(
        title="Your review requests",
        description=_fitting(lines)
        or "You have no open requests. Press **Tell me when it's reviewed** under a "
        "reply that shows no card for what you typed.",
        colour=INFO_COLOUR,
    )
    if marks:
        embed.set_footer(text="\n".join(f"{mark} {meaning}." for mark, meaning in marks.items()))
    return embed


def _fitting(lines: Sequence[str], room: int = DESCRIPTION_ROOM) -> str:
    """As many whole ``lines`` as fit in ``room`` characters, and how many did not."""
    shown: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > room:
            shown.append(f"…and {len(lines) - len(shown)} more.")
            break
        shown.append(line)
        used += len(line) + 1
    return "\n".join(shown)


def wanted_pages(films: Sequence[WantedFilm]) -> list[discord.Embed]:
    """The demand queue, a few films a page, most wanted first."""
    if not films:
        return [
            discord.Embed(
                title="Wanted films",
                description="Nobody has asked for a missing film yet.",
                colour=INFO_COLOUR,
            )
        ]
    pages = []
    for start in range(0, len(films), WANTED_PER_PAGE):
        embed = discord.Embed(
            title="Wanted films",
            description="Most requesters first, then most failed lookups. "
            "Pick a film below to claim or dismiss it.",
            colour=INFO_COLOUR,
        )
        for rank, film in enumerate(films[start : start + WANTED_PER_PAGE], start + 1):
            embed.add_field(
                name=f"{rank}. {plain(film.title, TITLE_CHARS)}",
                value=_film_lines(film),
                inline=False,
            )
        pages.append(embed)
    return pages


def _film_lines(film: WantedFilm) -> str:
    asked = [
        f"**{film.requesters}** member(s) asked" if film.requesters else "",
        f"**{film.misses}** failed lookup(s)" if film.misses else "",
    ]
    spellings = ", ".join(f"“{plain(text, 40)}”" for text in film.spellings[:SPELLINGS_SHOWN])
    lines = [
        " · ".join(part for part in asked if part),
        f"Typed as {spellings}",
        f"First asked {discord_time(film.first_asked, 'R')}, "
        f"last {discord_time(film.last_asked, 'R')}",
    ]
    if film.claimed_by is not None:
        lines.append(f"🎬 {claimed_text(film.claimed_by)}")
    return "\n".join(lines)


def claimed_text(moderator: str) -> str:
    return f"{plain(moderator, 40)} is reviewing this"


def wanted_choice_label(film: WantedFilm) -> str:
    return plain(film.title, 100)
