"""The layout of ``/discover`` and ``/random about:``: a page of reviews found by their
words, each with a one-line snippet around what matched.

A snippet is a review's own text: every run of it is escaped (Markdown and mentions),
so a review can neither format the list nor ping anyone, and only the matched words
are made bold, by this module. Spoilers the reviewer hid stay hidden.
"""

from __future__ import annotations

from collections.abc import Sequence

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
from bot.search_results import Correction, SearchPage, Snippet

QUERY_SHOWN = 80  # characters of the query in a title or a line
NO_TEXT = "*Nothing written beyond the card.*"
RELAXED_NOTE = "No review holds every word you typed; these hold the most of them."


def _escaped(text: str) -> str:
    return escape_text(discord.utils.escape_mentions(text))


def _shown_query(query: str) -> str:
    return _escaped(" ".join(query.split())[:QUERY_SHOWN])


def _marked(text: str, *, matched: bool, spoiler: bool) -> str:
    """One run of a snippet, escaped, bold if matched, hidden if a spoiler; markers go
    inside the run's outer spaces, where Discord reads them."""
    core = text.strip()
    if not core:
        return text
    start = text.index(core[0])
    shown = _escaped(core)
    if matched:
        shown = f"**{shown}**"
    if spoiler:
        shown = f"||{shown}||"
    return text[:start] + shown + text[start + len(core) :]


def _runs(snippet: Snippet) -> list[tuple[str, bool, bool]]:
    """The snippet as (text, matched, spoiler) runs of one word or one space each, so it
    can be cut between words."""
    runs: list[tuple[str, bool, bool]] = []
    for part in snippet.parts:
        for index, word in enumerate(part.text.split(" ")):
            if index:
                runs.append((" ", part.matched, part.spoiler))
            if word:
                runs.append((word, part.matched, part.spoiler))
    return runs


def _render(runs: Sequence[tuple[str, bool, bool]], before: str, after: str) -> str:
    merged: list[tuple[str, bool, bool]] = []
    for text, matched, spoiler in runs:  # one marker pair around each stretch, not each word
        if merged and merged[-1][1:] == (matched, spoiler):
            merged[-1] = (merged[-1][0] + text, matched, spoiler)
        else:
            merged.append((text, matched, spoiler))
    body = "".join(_marked(text, matched=m, spoiler=s) for text, m, s in merged)
    return before + body.strip() + after


def snippet_line(snippet: Snippet | None, limit: int = FIELD_VALUE_LIMIT) -> str:
    """The snippet as one line of Markdown within ``limit`` characters: "…" where the
    review's text goes on, its matched words in bold."""
    if snippet is None:
        return NO_TEXT
    runs = _runs(snippet)
    before = ELLIPSIS if snippet.cut_before else ""
    after = ELLIPSIS if snippet.cut_after else ""
    line = _render(runs, before, after)
    while len(line) > limit and runs:  # escapes can lengthen it: drop words from the end
        runs = runs[:-1]
        line = _render(runs, before, ELLIPSIS)
    return line if runs else NO_TEXT[:limit]


def _result_name(rank: int, page: SearchPage, index: int, limit: int) -> str:
    review = page.hits[index].review
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
        name = _result_name(first_rank + index, page, index, min(FIELD_NAME_LIMIT, budget // 3))
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
