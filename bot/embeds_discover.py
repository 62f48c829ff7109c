"""The layout of ``/discover`` and ``/random about:``: a page of reviews found by their
words, each with a one-line snippet around what matched.

A snippet is a review's own text: every run of it is escaped (Markdown and mentions),
so a review can neither format the list nor ping anyone, and only the matched words
are made bold, by this module. Spoilers the reviewer hid stay hidden.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from operator import itemgetter

import discord

from bot.embeds import (
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    INFO_COLOUR,
    TITLE_LIMIT,
    TOTAL_LIMIT,
    escape_text,
    plain,
)
from bot.labels import ELLIPSIS
from bot.models import Review
from bot.search_results import Correction, SearchPage, Snippet

QUERY_SHOWN = 80  # characters of the query in a title or a line
NO_TEXT = "*Nothing written beyond the card.*"
RELAXED_NOTE = "No review holds every word you typed; these hold the most of them."


def _escaped(text: str) -> str:
    return escape_text(discord.utils.escape_mentions(text))


def _shown_query(query: str) -> str:
    return _escaped(" ".join(query.split())[:QUERY_SHOWN])


def _around(text: str, marker: str) -> str:
    """``text`` between ``marker``s placed inside its outer spaces, where Discord reads them."""
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    return f"{lead}{marker}{core}{marker}{text[len(lead) + len(core) :]}"


Run = tuple[str, bool, bool]  # text, matched, in a spoiler


def _runs(snippet: Snippet) -> list[Run]:
    """The snippet as runs of one word or one space each, so it can be cut between words."""
    runs: list[Run] = []
    for part in snippet.parts:
        for index, word in enumerate(part.text.split(" ")):
            if index:
                runs.append((" ", part.matched, part.spoiler))
            if word:
                runs.append((word, part.matched, part.spoiler))
    return runs


def _stretch(runs: Iterable[Run], *, matched: bool) -> str:
    text = _escaped("".join(run[0] for run in runs))
    return _around(text, "**") if matched else text


def _render(runs: Sequence[Run], before: str, after: str) -> str:
    """Each stretch of spoiler hidden once, each stretch of matched words in it bold once."""
    shown: list[str] = []
    for spoiler, hidden in itertools.groupby(runs, key=itemgetter(2)):
        inner = "".join(
            _stretch(same, matched=matched)
            for matched, same in itertools.groupby(hidden, key=itemgetter(1))
        )
        shown.append(_around(inner, "||") if spoiler else inner)
    return before + "".join(shown).strip() + after


def snippet_line(snippet: Snippet | None, limit: int = FIELD_VALUE_LIMIT) -> str:
    """The snippet as one line of Markdown within ``limit`` characters: "…" where the
    review's text goes on, its matched words in bold."""
    runs = [] if snippet is None else _runs(snippet)
    if snippet is None or not runs:
        return NO_TEXT if len(NO_TEXT) <= limit else ELLIPSIS
    before = ELLIPSIS if snippet.cut_before else ""
    line = _render(runs, before, ELLIPSIS if snippet.cut_after else "")
    while len(line) > limit and len(runs) > 1:  # escapes lengthen it: drop words from the end
        runs = runs[:-1]
        line = _render(runs, before, ELLIPSIS)
    return line if len(line) <= limit else ELLIPSIS


def _result_name(rank: int, review: Review, limit: int) -> str:
    """ "3. Title (Year) — 8/10 · Verdict" within ``limit`` characters."""
    score = "unscored" if review.score is None else f"{review.score:g}/10"
    verdict = f" · {plain(review.verdict, 40)}" if review.verdict else ""
    tail = f" — {score}{verdict}"
    return f"{rank}. {plain(review.display_title, max(limit - len(tail) - 6, 10))}{tail}"


def _count(page: SearchPage) -> str:
    noun = "review" if page.total == 1 else "reviews"
    return f"{page.total:,} or more {noun}" if page.counted_to_cap else f"{page.total:,} {noun}"


def discover_embed(page: SearchPage, query: str, *, filters: str = "") -> discord.Embed:
    """One page of ``/discover``: each review's title (year), score and verdict, and the
    line of its text around the words that matched."""
    embed = discord.Embed(
        title=plain(f"Reviews about “{' '.join(query.split())[:QUERY_SHOWN]}”", TITLE_LIMIT),
        colour=INFO_COLOUR,
    )
    if page.relaxed:
        embed.description = RELAXED_NOTE
    footer = f"Page {page.page + 1}/{page.pages} · {_count(page)}"
    embed.set_footer(text=(footer + (f" · {filters}" if filters else ""))[:FOOTER_LIMIT])
    used = len(embed.title or "") + len(embed.description or "") + len(embed.footer.text or "")
    # Each result gets an equal share of what the 6000-character total leaves.
    budget = (TOTAL_LIMIT - used) // max(len(page.hits), 1)
    first_rank = page.page * page.page_size + 1
    for index, hit in enumerate(page.hits):
        name = _result_name(first_rank + index, hit.review, min(FIELD_NAME_LIMIT, budget // 3))
        value = snippet_line(hit.snippet, min(FIELD_VALUE_LIMIT, budget - len(name)))
        embed.add_field(name=name, value=value, inline=False)
    return embed


def _words(words: Sequence[str]) -> str:
    shown = [f"*{_escaped(word)}*" for word in words]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def corrections_text(corrections: Sequence[Correction]) -> str | None:
    """ "Showing results for *grief* (you typed *greif*)", or ``None`` when the query was
    searched as typed."""
    if not corrections:
        return None
    searched = _words([correction.searched for correction in corrections])
    typed = _words([correction.typed for correction in corrections])
    return f"Showing results for {searched} (you typed {typed})"


def no_discoveries_text(query: str, *, filters: str = "") -> str:
    """The one line when no review matches a search."""
    within = f" among the films matching {filters}" if filters else ""
    return f"No review says anything matching “{_shown_query(query)}”{within}."
