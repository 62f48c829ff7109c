"""Scoring: how plausibly a query names each candidate title, in score bands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

# Search scores are 0-100 in bands, so that a gap between two results means
# something (see _search_scores):
#   100       the normalised title exactly (less ARTICLE_ONLY_PENALTY when the
#             query left out or added the leading article);
#   92-96     the query is the title's opening words, more coverage scores higher;
#   <= 96     a near miss: fuzz.ratio scaled by FUZZY_SCALE, within the allowed
#             number of typing slips; reordered words or a dropped "and" are
#             scaled by VARIANT_SCALE.
# Below SEARCH_CUTOFF a search says "no match"; short queries need more, as a
# random four-letter string is one edit away from some title.
SEARCH_CUTOFF = 75.0
SHORT_QUERY_CUTOFF = 85.0
SHORT_QUERY_CHARS = 6
COMPLETE_CUTOFF = 75.0
FUZZY_SCALE = 0.96
VARIANT_SCALE = 0.93
EXACT_PREFIX_BASE = 92.0
EXACT_PREFIX_SPAN = 4.0
# A misspelt opening only counts when it is this close (raw ratio), or random
# word pairs start to "match" long titles.
FUZZY_PREFIX_FLOOR = 88.0
# "die hard" is literally Die Hard; a film called "Hard" shares only the key.
ARTICLE_ONLY_PENALTY = 0.5

# Two results closer than this are a coin toss, so the caller should ask.
# Wider than ARTICLE_ONLY_PENALTY, narrower than the exact-to-prefix gap.
AMBIGUITY_MARGIN = 3.0
# A query year that disagrees with the film's year costs more than the
# ambiguity margin, so "heat 1995" is not ambiguous with Heat (1986).
YEAR_MISMATCH_PENALTY = 6.0
YEAR_OFF_BY_ONE_PENALTY = 3.0
YEAR_UNKNOWN_PENALTY = 4.0

IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]
# Scores a query key against candidate keys; search and completion differ here.
_KeyScorer: TypeAlias = Callable[[str, str, list[str], list[str]], FloatArray]


# --------------------------------------------------------------------------
# Public result types
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """One review a query may mean. ``score`` is 0-100, higher is better.

    ``key`` is the normalised title and ``query_year`` the year the query gave
    (if any); :meth:`TitleIndex.is_ambiguous` needs both.
    """

    review_id: int
    score: float
    title: str = ""
    year: int | None = None
    key: str = ""
    query_year: int | None = None


def _is_ambiguous(matches: Sequence[Match]) -> bool:
    """Whether the best match is not clearly the one the member meant.

    True when the runner-up scores within AMBIGUITY_MARGIN of the best, or when
    a runner-up has the same normalised title with another year and the query
    named no year (two films called "Heat").
    """
    if len(matches) < 2:
        return False
    best = matches[0]
    for other in matches[1:]:
        if best.score - other.score < AMBIGUITY_MARGIN:
            return True
        if best.query_year is None and other.key == best.key and other.year != best.year:
            return True
    return False


def _match_order(match: Match) -> tuple[float, str, int, int]:
    return (-match.score, match.key, -(match.year or 0), match.review_id)


def _scores(query: str, choices: list[str], scorer: Any = fuzz.ratio) -> FloatArray:
    result = process.cdist([query], choices, scorer=scorer, dtype=np.float64)
    return np.asarray(result[0], dtype=np.float64)


def _allowed_slips(length: int) -> int:
    """How many typing slips (OSA edits) a query of ``length`` characters may hold.

    Two slips anywhere is ordinary. A pair of unrelated words that shares one
    word with a title ("lawnmower mauve" vs "Lawnmower Man") is usually three
    or more edits away, even though its ratio looks respectable; measured on
    the benchmark, allowing three slips below 30 characters quadrupled false
    positives at 1M titles for half a point of two-typo accuracy.
    """
    if length < SHORT_QUERY_CHARS:
        return 1
    return 2 if length < 30 else 3


def _within_slips(query: str, choices: list[str], allowed: int) -> FloatArray:
    """fuzz.ratio, or 0 where the choice is more than ``allowed`` edits away."""
    ratios = _scores(query, choices)
    edits = process.cdist([query], choices, scorer=OSA.distance, score_cutoff=allowed)[0]
    return np.where(edits <= allowed, ratios, 0.0)


def _near_miss(query: str, choices: list[str], allowed: int, scale: float) -> FloatArray:
    """Band score for whole-title similarity: 100 if equal, else scaled below 96."""
    ratios = _within_slips(query, choices, allowed)
    return np.where(ratios >= 100.0, 100.0, ratios * scale)


def _without_and(text: str) -> str:
    """ "alex emma" for "Alex & Emma": members drop the "&" entirely."""
    return " ".join(word for word in text.split(" ") if word != "and") or text


def _search_scores(key: str, literal: str, keys: list[str], literals: list[str]) -> FloatArray:
    """How plausibly the query names each candidate, in the bands described at
    SEARCH_CUTOFF: the best of the whole title (compared without articles, and
    with them so that a slip in "the" still lines up), the title with its words
    reordered or an "and" left out, and the title's opening words.
    """
    allowed = _allowed_slips(len(key))
    best = _near_miss(key, keys, allowed, FUZZY_SCALE)
    if literal != key or literals != keys:
        np.maximum(best, _near_miss(literal, literals, allowed, FUZZY_SCALE), out=best)
    sorted_keys = [" ".join(sorted(choice.split(" "))) for choice in keys]
    sorted_query = " ".join(sorted(key.split(" ")))
    reordered = _within_slips(sorted_query, sorted_keys, allowed) * VARIANT_SCALE
    np.maximum(best, reordered, out=best)
    if "and" in key.split(" ") or any(" and " in choice for choice in keys):
        plain = [_without_and(choice) for choice in keys]
        without_and = _within_slips(_without_and(key), plain, allowed) * VARIANT_SCALE
        np.maximum(best, without_and, out=best)
    np.maximum(best, _prefix_scores(key, keys, allowed), out=best)
    return best


def _prefix_scores(key: str, keys: list[str], allowed: int) -> FloatArray:
    """The query as the opening words of a longer title ("eternal sunshine of")."""
    size = len(key)
    boundary = np.array([len(k) > size and k[size] == " " for k in keys], dtype=np.bool_)
    if not boundary.any():
        return np.zeros(len(keys), dtype=np.float64)
    heads = [choice[:size] for choice in keys]
    coverage = np.array([size / max(len(k), 1) for k in keys], dtype=np.float64)
    exact = boundary & np.array([head == key for head in heads], dtype=np.bool_)
    head = _within_slips(key, heads, max(1, allowed - 1))
    fuzzy = boundary & (head >= FUZZY_PREFIX_FLOOR)
    return np.where(
        exact,
        EXACT_PREFIX_BASE + EXACT_PREFIX_SPAN * coverage,
        np.where(fuzzy, head * (0.86 + 0.04 * coverage), 0.0),
    )


def _completion_scores(key: str, literal: str, keys: list[str], literals: list[str]) -> FloatArray:
    """How well what was typed starts each title, or starts a run of words in it."""
    del literal, literals  # what is typed is compared with what it could become
    size = len(key)
    head = _scores(key, [choice[:size] for choice in keys])
    inner = _scores(key, keys, fuzz.partial_ratio) * 0.94
    exact_run = np.array([f" {k}".find(f" {key}") > 0 for k in keys], dtype=np.bool_)
    inner = np.where(exact_run, 96.0, inner)
    # partial_ratio finds a shorter title inside the query, which is no completion.
    inner = np.where([len(k) >= size for k in keys], inner, 0.0)
    # Among equally good completions, prefer the title closest to what was typed.
    shortness = np.array([size / max(len(k), size, 1) for k in keys], dtype=np.float64)
    return np.maximum(head, inner) - (1.0 - shortness)
