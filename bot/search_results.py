"""What a search by the reviews' words found: records, and the snippet around a match.

The store fills these (bot/store/search.py); the embed builder lays them out. A
snippet is data, not markup: runs of the review's own text, each saying whether it
is a matched word and whether the reviewer hid it as a spoiler, so whoever shows it
escapes every run (a review can then neither format nor ping) and marks the matched
ones its own way.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.models import Review

# What the engines put around each matched word in a marked text: C0 controls, which
# validation strips from everything stored (bot.models.clean_text).
MATCH_START = "\x02"
MATCH_END = "\x03"
_MARKERS = re.compile(f"[{MATCH_START}{MATCH_END}]")
_SPOILER = re.compile(r"\|\|(.+?)\|\|", re.DOTALL)  # as bot/embeds.py reads spoilers
_WORD = re.compile(r"\S+")

SNIPPET_WORDS = 20  # one line of an embed field, as words
SNIPPET_CHARS = 160  # and at most as characters, for long words
CONTEXT_WORDS = 4  # words shown before the first match, so it reads as a sentence
# Fields a snippet may come from, the first preferred among equally good ones: the
# verdict sums the review up; titles and names are shown on the result anyway.
SNIPPET_FIELDS = ("verdict_text", "body", "tagline")


@dataclass(frozen=True, slots=True)
class SnippetPart:
    text: str
    matched: bool = False
    spoiler: bool = False


@dataclass(frozen=True, slots=True)
class Snippet:
    """One line of a review's text around the words that matched."""

    field: str  # the Review field it is from
    parts: tuple[SnippetPart, ...]
    cut_before: bool = False  # the field's text goes on before it
    cut_after: bool = False  # and after it

    @property
    def text(self) -> str:
        return "".join(part.text for part in self.parts)

    @property
    def matched_words(self) -> list[str]:
        return [part.text for part in self.parts if part.matched]


@dataclass(frozen=True, slots=True)
class Correction:
    """A query word the catalog does not hold, and the word searched instead."""

    typed: str
    searched: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    review: Review
    snippet: Snippet | None  # None: the review has no text to quote


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of the reviews matching a query, best first."""

    hits: tuple[SearchHit, ...]
    total: int  # matching reviews on every page
    page: int  # from 0
    page_size: int
    corrections: tuple[Correction, ...] = ()
    # No review holds every word: these hold the most of them (then rank best).
    relaxed: bool = False
    # Counting stopped at ``total``: at least that many match.
    counted_to_cap: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True, slots=True)
class SearchPick:
    """A random review among those matching a query (``/random about:``)."""

    review: Review | None
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True, slots=True)
class _Marked:
    """A field's text, its matched stretches, and per character whether it is in a
    spoiler or is a spoiler's own "||" (not shown)."""

    text: str
    matches: list[tuple[int, int]]  # (start, end) of each matched stretch, in order
    matched: bytearray  # per character
    spoiler: bytearray
    hidden: bytearray

    @classmethod
    def parse(cls, marked: str) -> _Marked:
        pieces = _MARKERS.split(marked)
        markers = _MARKERS.findall(marked)
        text = "".join(pieces)
        matches: list[tuple[int, int]] = []
        position, inside = 0, False
        for piece, marker in zip(pieces, [*markers, MATCH_END], strict=True):
            if inside and piece:
                matches.append((position, position + len(piece)))
            position += len(piece)
            inside = marker == MATCH_START
        matched, spoiler, hidden = (bytearray(len(text)) for _ in range(3))
        for start, end in matches:
            matched[start:end] = b"\x01" * (end - start)
        for found in _SPOILER.finditer(text):
            start, end = found.span(1)
            spoiler[start:end] = b"\x01" * (end - start)
            hidden[start - 2 : start] = hidden[end : end + 2] = b"\x01\x01"
        return cls(text, matches, matched, spoiler, hidden)

    @property
    def score(self) -> tuple[int, int]:
        """How well the field matched: distinct matched words, then matched words."""
        words = [self.text[start:end].casefold() for start, end in self.matches]
        return len(set(words)), len(words)


def _window(matched: Sequence[tuple[int, str]], count: int) -> int:
    """The first of :data:`SNIPPET_WORDS` words that hold the most distinct matched
    words (then the most matched words), with :data:`CONTEXT_WORDS` before the first
    of them; the earliest such stretch. ``matched``: (word index, folded word)."""
    best_start, best_score = 0, (-1, -1)
    indexes = [index for index, _ in matched]
    for first in indexes:
        start = max(0, min(first - CONTEXT_WORDS, count - SNIPPET_WORDS))
        inside = matched[
            bisect.bisect_left(indexes, start) : bisect.bisect_left(indexes, start + SNIPPET_WORDS)
        ]
        score = (len({word for _, word in inside}), len(inside))
        if score > best_score:
            best_start, best_score = start, score
    return best_start


def snippet_of(field: str, marked_text: str) -> Snippet | None:
    """One line around the best-matching stretch of ``marked_text`` (a field's text
    with :data:`MATCH_START`/:data:`MATCH_END` around the engine's matched words), or
    the field's opening words when nothing in it matched; ``None`` if it is empty."""
    return _snippet(field, _Marked.parse(marked_text))


def _snippet(field: str, marked: _Marked) -> Snippet | None:
    words = [found.span() for found in _WORD.finditer(marked.text)]
    if any(marked.hidden):
        words = [(start, end) for start, end in words if not all(marked.hidden[start:end])]
    if not words:
        return None
    starts = [start for start, _ in words]
    matched = [
        (bisect.bisect_right(starts, start) - 1, marked.text[start:end].casefold())
        for start, end in marked.matches
    ]
    first = _window(sorted(matched), len(words))
    last = min(len(words), first + SNIPPET_WORDS)
    shown: list[tuple[str, bool, bool]] = []  # (character, matched, spoiler)
    for index in range(first, last):
        start, end = words[index]
        if index > first:  # one space for any run of whitespace: a snippet is one line
            gap = start - 1
            shown.append((" ", bool(marked.matched[gap]), bool(marked.spoiler[gap])))
        shown += [
            (marked.text[at], bool(marked.matched[at]), bool(marked.spoiler[at]))
            for at in range(start, end)
            if not marked.hidden[at]
        ]
        if len(shown) >= SNIPPET_CHARS:
            last = index + 1
            break
    parts = tuple(
        SnippetPart("".join(ch for ch, _, _ in run), matched, spoiler)
        for (matched, spoiler), run in itertools.groupby(
            shown[:SNIPPET_CHARS], key=lambda item: (item[1], item[2])
        )
    )
    return Snippet(
        field=field,
        parts=parts,
        cut_before=first > 0,
        cut_after=last < len(words) or len(shown) > SNIPPET_CHARS,
    )


def best_snippet(marked_fields: Mapping[str, str]) -> Snippet | None:
    """The snippet of whichever of :data:`SNIPPET_FIELDS` matched the most distinct
    words (then the most words), the first of equally good ones; the first non-empty
    field's opening words when none matched."""
    best: tuple[str, _Marked] | None = None
    for field in SNIPPET_FIELDS:
        text = marked_fields.get(field, "")
        if not text.strip():
            continue
        marked = _Marked.parse(text)
        if best is None or marked.score > best[1].score:
            best = field, marked
    return None if best is None else _snippet(*best)
