"""Floods: one member or moderator hammering the bot is slowed down politely, alone.

The single-overflow cases (the 6th lookup, the 11th re-roll, one oversized import) are
in tests/e2e; here each flood is sent all at once, and the tests check that exactly the
allowed number got through, the rest got a friendly private refusal, nothing they asked
for was done, and other members were not affected.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable

from bot.models import Review
from bot.ratelimit import LOOKUP_RATE
from cogs.moderation import MAX_IMPORT_BYTES, MODERATION_RATE
from cogs.recommendations import REROLL_RATE
from standin import InteractionResult, LoopbackFile
from tests.conftest import make_review
from tests.e2e.harness import GUILD_ID, MODERATOR_ID, MODERATOR_ROLE_ID, BotRun
from tests.reliability.checks import fingerprint, message_problems

FLOOD = 30
SLOW_DOWN = re.compile(r"Slow down a little: try again in \d+s\.")


def refused_politely(result: InteractionResult) -> bool:
    return (
        result.ephemeral
        and SLOW_DOWN.fullmatch(result.message.content) is not None
        and not message_problems(result.message)
    )


async def another_moderator(run: BotRun, user: int) -> int:
    """One more member of the guild holding the moderator role."""
    run.discord.add_member(GUILD_ID, user, f"moderator-{user}", roles=[MODERATOR_ROLE_ID])
    await run.discord.sync_guild(GUILD_ID)
    return user


async def test_a_flood_of_lookups_gets_the_allowed_few_answered_and_the_rest_refused(
    run: BotRun,
) -> None:
    allowed, _ = LOOKUP_RATE
    flood = [run.discord.slash("review", {"title": "heat 1995"}) for _ in range(FLOOD)]
    bystander = run.discord.slash("review", {"title": "heat 1995"}, user=MODERATOR_ID)

    *results, other = await asyncio.gather(*flood, bystander)

    cards = [r for r in results if not r.ephemeral]
    assert len(cards) == allowed
    assert all(c.message.embed(0)["title"] == "Heat (1995)" for c in cards)
    assert sum(refused_politely(r) for r in results) == FLOOD - allowed
    assert other.message.embed(0)["title"] == "Heat (1995)"


async def test_a_flood_of_another_presses_rerolls_only_within_the_budget(run: BotRun) -> None:
    allowed, _ = REROLL_RATE
    card = await run.discord.slash("random")  # spends one use of the shared budget
    edits_before = len(card.message.edits)

    presses = await asyncio.gather(
        *(run.discord.click(card.message, label="Another") for _ in range(FLOOD))
    )

    rerolled = [p for p in presses if p.callback_type == 6 and p.webhook_edits]
    assert len(rerolled) == allowed - 1
    assert sum(refused_politely(p) for p in presses) == FLOOD - (allowed - 1)
    assert len(card.message.edits) - edits_before == allowed - 1
    bystander = await run.discord.slash("random", user=MODERATOR_ID)
    assert not bystander.ephemeral


async def guild_film(run: BotRun, title: str) -> Review:
    """A review of this guild's own, which its moderators may change."""
    catalog = run.bot.catalog  # type: ignore[attr-defined]
    return await catalog.curation.add(
        make_review(title, 2012, scope=GUILD_ID), actor_id=MODERATOR_ID
    )  # type: ignore[no-any-return]


def edit_tagline(run: BotRun, film: Review, value: str) -> Awaitable[InteractionResult]:
    options = {"title": f"id:{film.id}", "field": "tagline", "value": value}
    return run.discord.slash("catalog edit", options, user=MODERATOR_ID)


async def test_a_moderator_flooding_edits_is_stopped_at_the_moderation_rate(
    run: BotRun,
) -> None:
    allowed, _ = MODERATION_RATE
    film = await guild_film(run, "Flooded Film")
    path = run.bot.catalog._store.path  # type: ignore[attr-defined]
    before = fingerprint(path)

    edits = await asyncio.gather(*(edit_tagline(run, film, f"flood {n}") for n in range(FLOOD)))

    done = [e for e in edits if e.message.content.startswith("Updated tagline")]
    assert len(done) == allowed
    assert sum(refused_politely(e) for e in edits) == FLOOD - allowed
    assert fingerprint(path).audit_rows == before.audit_rows + allowed  # refused = not written


async def test_the_moderation_rate_is_one_budget_across_catalog_subcommands(
    run: BotRun,
) -> None:
    allowed, _ = MODERATION_RATE
    film = await guild_film(run, "Budget Film")
    for n in range(allowed):
        await edit_tagline(run, film, f"change {n}")

    one_more = await run.discord.slash(
        "catalog alias", {"title": f"id:{film.id}", "alias": "one too many"}, user=MODERATOR_ID
    )

    assert refused_politely(one_more), one_more.message.content


async def test_a_flood_of_oversized_imports_is_refused_without_downloading_any(
    run: BotRun, served_attachments: list[str]
) -> None:
    moderators = [await another_moderator(run, 9_300_100 + n) for n in range(5)]
    oversized = b"title,year\n" + b"x" * MAX_IMPORT_BYTES

    refusals = await asyncio.gather(
        *(
            run.discord.slash(
                "catalog import", {"file": LoopbackFile("huge.csv", oversized)}, user=user
            )
            for user in moderators
        )
    )

    assert all(r.callback_type == 4 and r.ephemeral for r in refusals)  # never deferred
    assert all("imports are limited to 2 MiB" in r.message.content for r in refusals)
    assert served_attachments == []
