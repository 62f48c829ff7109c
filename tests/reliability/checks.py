"""What every reliability test asserts about the bot's answers, and hostile text to feed it.

Discord refuses an oversized embed or message with HTTP 400, and a member then sees
nothing at all; a message that pings is a moderation incident. So every message the
bot sends is checked against Discord's documented limits and for pings, and anything
the bot logged as a bug (an apology with an error id) fails the test.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from bot.ratelimit import MemberBudget
from standin import SentMessage
from tests.e2e.harness import BotRun
from tests.embed_checks import assert_embed_payload_within_limits

NOBODY_PINGED = {"parse": []}
APOLOGY = "something went wrong on my side"

# Discord's documented limits (https://discord.com/developers/docs/resources/message).
CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
CHOICES_LIMIT = 25
CHOICE_NAME_LIMIT = 100
CHOICE_VALUE_LIMIT = 100
STRING_OPTION_LIMIT = 6000  # the longest string option value Discord delivers


def embed_problems(embed: dict[str, Any]) -> list[str]:
    """The shared embed-limit check (tests/embed_checks.py), as a list of problems."""
    try:
        assert_embed_payload_within_limits(embed)
    except AssertionError:
        sizes = {
            "title": len(embed.get("title") or ""),
            "description": len(embed.get("description") or ""),
            "fields": [(len(f["name"]), len(f["value"])) for f in embed.get("fields") or []],
            "footer": len((embed.get("footer") or {}).get("text") or ""),
        }
        return [f"embed breaks Discord's limits: {sizes}"]
    return []


def pings_nobody(allowed_mentions: dict[str, Any] | None) -> bool:
    """``{"parse": []}``, optionally with ``replied_user: false`` (a reply that doesn't ping)."""
    if allowed_mentions is None:
        return False
    rest = {key: value for key, value in allowed_mentions.items() if key != "replied_user"}
    return rest == NOBODY_PINGED and not allowed_mentions.get("replied_user", False)


def message_problems(message: SentMessage) -> list[str]:
    """Limits, pings and apologies in one message the bot sent."""
    problems = []
    if len(message.content) > CONTENT_LIMIT:
        problems.append(f"content has {len(message.content)} characters")
    if APOLOGY in message.content:
        problems.append(f"the bot apologised for a bug: {message.content!r}")
    if len(message.embeds) > EMBEDS_PER_MESSAGE:
        problems.append(f"{len(message.embeds)} embeds")
    for embed in message.embeds:
        problems += embed_problems(embed)
    if not pings_nobody(message.allowed_mentions):
        problems.append(f"allowed_mentions is {message.allowed_mentions!r}")
    if message.pings().anyone:
        problems.append(f"it pings {message.pings()!r}")
    return [f"message {message.id}: {problem}" for problem in problems]


def choice_problems(choices: list[dict[str, Any]]) -> list[str]:
    problems = []
    if len(choices) > CHOICES_LIMIT:
        problems.append(f"{len(choices)} choices")
    for choice in choices:
        name, value = str(choice.get("name", "")), str(choice.get("value", ""))
        if not 1 <= len(name) <= CHOICE_NAME_LIMIT or len(value) > CHOICE_VALUE_LIMIT:
            problems.append(f"choice {choice!r} breaks the 1–100 character limits")
    return problems


class BugLog(logging.Handler):
    """Warnings and errors from the bot's loggers, errors from discord.py's: each is a bug.

    Each record also wakes the stand-in's waiters, so a test waiting for an answer
    fails at once when the bot logs a failure instead of answering.
    """

    def __init__(self, run: BotRun) -> None:
        super().__init__(level=logging.WARNING)
        self.run = run
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("discord") and record.levelno < logging.ERROR:
            return  # discord.py warns about rate limits it then handles itself
        self.records.append(record)
        self.run.discord.state.feed.notify()

    def messages(self) -> list[str]:
        return [
            f"{record.name}: {record.getMessage()} ({record.exc_info[1]!r})"
            if record.exc_info
            else f"{record.name}: {record.getMessage()}"
            for record in self.records
        ]


LOGGERS = ("bot", "cogs", "discord")


@contextmanager
def bug_log(run: BotRun) -> Iterator[BugLog]:
    handler = BugLog(run)
    for name in LOGGERS:
        logging.getLogger(name).addHandler(handler)
    try:
        yield handler
    finally:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)


@dataclass
class Watch:
    """Everything the bot did from now on: its messages, and any bug it logged."""

    run: BotRun
    bugs: BugLog
    seen: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.seen = {message.id for message in self.run.discord.bot_messages()}
        self.bugs.records.clear()
        self.run.take_errors()

    def new_messages(self) -> list[SentMessage]:
        return [m for m in self.run.discord.bot_messages() if m.id not in self.seen]

    async def until(self, done: Callable[[], object], *, within: float = 5.0) -> None:
        """Wait (event-driven) until ``done()`` holds or the bot logs a failure."""
        await self.run.discord.state.feed.wait_until(
            lambda: bool(done()) or bool(self.bugs.records),
            within=within,
            describe=lambda: f"no answer; messages so far: {self.new_messages()}",
        )

    def problems(self) -> list[str]:
        found = [p for message in self.new_messages() for p in message_problems(message)]
        self.run.take_errors()  # discord.py's errors are in the bug log too
        return found + self.bugs.messages()

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "\n".join(problems)


def lift_cooldowns(run: BotRun) -> None:
    """Turn off per-member rate limits on this bot instance, for tests about input.

    Hybrid commands keep theirs in ``_buckets``; /random and "Another" share the
    Recommendations cog's budget, /discover and its pages the Discover cog's,
    /catalog's changes the Moderation cog's, and
    every autocomplete and every lookup the bot's own.
    """
    run.bot.autocomplete_budget = MemberBudget((10**9, 1.0))  # type: ignore[attr-defined]
    run.bot.lookup_budget = MemberBudget((10**9, 1.0))  # type: ignore[attr-defined]
    for command in run.bot.walk_commands():
        command._buckets._cooldown = None
    recommendations = run.bot.get_cog("Recommendations")
    assert recommendations is not None
    recommendations.reroll_budget = MemberBudget((10**9, 1.0))  # type: ignore[attr-defined]
    moderation = run.bot.get_cog("Moderation")
    assert moderation is not None
    moderation.change_budget = MemberBudget((10**9, 1.0))  # type: ignore[attr-defined]
    discover = run.bot.get_cog("Discover")
    assert discover is not None
    discover.budget = MemberBudget((10**9, 1.0))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Fingerprint:
    """What any write to the catalog changes: rows and audit entries."""

    reviews: int
    last_review: int
    audit_rows: int
    last_audit: int


def fingerprint(path: Path) -> Fingerprint:
    """Read the committed state through a separate connection, as another process would."""
    with closing(sqlite3.connect(path)) as db:
        reviews, last_review = db.execute(
            "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM reviews"
        ).fetchone()
        audits, last_audit = db.execute(
            "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM audit_log"
        ).fetchone()
    return Fingerprint(reviews, last_review, audits, last_audit)


# -- hostile text ---------------------------------------------------------------------------

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
BIDI = ["\u202e", "\u202d", "\u202a", "\u202b", "\u2066", "\u2067", "\u2068", "\u2069", "\u061c"]
COMBINING = ["\u0301", "\u0336", "\u0489" * 12, "e\u0301", "\u0308\u0308\u0308", "\u20dd"]
EMOJI = ["👍🏽", "👨‍👩‍👧‍👦", "🇫🇷", "🏳️‍🌈", "🎬", "\U0001f9d1\u200d\U0001f4bb", "🅰️"]
MARKDOWN = [
    "**", "__", "~~", "||", "`", "```", "> ", ">>> ", "# ", "-# ", "\\", "*_~`|>",
    "[click](https://evil.example)", "<https://evil.example>", "https://a.example/|x|",
]  # fmt: skip
MENTIONS = [
    "@everyone", "@here", "<@3001>", "<@!3001>", "<@&4001>", "<#2001>", "</review:1>",
    "<t:0:R>", "<:blob:1>", "@\u200beveryone",
]  # fmt: skip
SQL = [
    "'", '"', ";", "--", "/*", "*/", "%", "_", "\\%", "' OR '1'='1",
    "'); DROP TABLE reviews; --", "NULL", "\x00", "?", ":name", "$1",
]  # fmt: skip
CONTROL = ["\n", "\r\n", "\r", "\t", "\x1b[31m", "\x07", "\x7f", "\u2028", "\u0085", " ", "\u3000"]
LOOKALIKE = ["id:", "id:15", "Heat", "heat 1995", "1995", "the", "Ⅷ", "ﬁ", "ǅ", "İ", "ß"]
NUMERIC = [
    "0", "-1", "-0", "9" * 25, "18446744073709551616", "1e309", "NaN", "-inf", "²", "١٢٣",
    "𝟗", "½", "0x1F", "1_000",
]  # fmt: skip
FRAGMENTS = [
    *ZERO_WIDTH, *BIDI, *COMBINING, *EMOJI, *MARKDOWN, *MENTIONS, *SQL, *CONTROL, *LOOKALIKE,
    *NUMERIC,
]  # fmt: skip

fragments = st.sampled_from(FRAGMENTS)
# Any code point but surrogates (which Discord's JSON cannot carry either).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=24)


def hostile_text(*, max_parts: int = 12) -> st.SearchStrategy[str]:
    """Short hostile strings: fragments of the lists above mixed with arbitrary unicode."""
    return st.lists(st.one_of(fragments, any_text), max_size=max_parts).map("".join)


def huge_text(low: int = 6_000, high: int = 100_000) -> st.SearchStrategy[str]:
    """One hostile piece repeated to between ``low`` and ``high`` characters (100 kB)."""

    def repeat(piece: str, size: int) -> str:
        piece = piece or "x"
        return (piece * (size // len(piece) + 1))[:size]

    return st.builds(
        repeat, st.one_of(fragments, hostile_text(max_parts=4)), st.integers(low, high)
    )


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Draw each strategy ``weight`` times in ``sum(weights)``.

    ``st.one_of(a, a, b)`` would not do: it drops the repeated ``a`` and draws 50/50.
    """
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(lambda pick: table[pick])


def option_text(limit: int = STRING_OPTION_LIMIT) -> st.SearchStrategy[str]:
    """What a string option may carry: hostile text, sometimes as long as Discord allows."""
    return weighted((3, hostile_text()), (1, huge_text(200, limit))).map(lambda t: t[:limit])


def any_text_up_to_100k() -> st.SearchStrategy[str]:
    """Hostile text, one time in four between 6,000 characters and 100 kB."""
    return weighted((3, hostile_text()), (1, huge_text()))


def numbers() -> st.SearchStrategy[float]:
    """NaN, infinities, negatives, huge and tiny values, and ordinary ones."""
    return st.one_of(
        st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, -1.0, 1e308, 5e-324]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(-20, 20),
    )
