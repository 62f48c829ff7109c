"""Scoring: how plausibly a query names each candidate title, in score bands."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.matching.normalize import numbers

# Search scores are 0-100 in bands, so that a gap between two results means
# something (see search_scores):
#   100       the normalised title exactly (less ARTICLE_ONLY_PENALTY when the
#             query left out or added the leading article);
#   92-94     the query is the title's opening words (more coverage scores higher);
#   90-92     the query is a run of words from the middle of the title;
#   <= 92     a near miss: NEAR_MISS_TOP less SLIP_COST per typing slip (OSA
#             edit), a little less for a lower fuzz.ratio; reordered words or a
#             dropped "and" cost VARIANT_COST more.
# A near miss or a partial match is only scored at all when its words agree
# with the title's (see words_agree); below SEARCH_CUTOFF a search says "no match".
SEARCH_CUTOFF = 75.0
SHORT_QUERY_CUTOFF = 85.0
SHORT_QUERY_CHARS = 6
COMPLETE_CUTOFF = 75.0
# Listing the nearest titles for a "no match" reply may reach further than a card.
NEAREST_CUTOFF = 60.0
NEAR_MISS_TOP = 96.0
SLIP_COST = 4.0
RATIO_TIEBREAK = 0.02
VARIANT_COST = 3.0
EXACT_PREFIX_BASE = 92.0
# Narrower than AMBIGUITY_MARGIN: titles sharing the typed opening words are a
# choice for the member, not a ranking by length.
EXACT_PREFIX_SPAN = 2.0
MIDDLE_BASE = 90.0
MIDDLE_SPAN = 2.0
# A misspelt opening only counts when it is this close (raw ratio), or random
# word pairs start to "match" long titles.
FUZZY_PREFIX_FLOOR = 88.0
# A partial match needs this many words ("barbie" is not "Barbie Nation: An
# Unauthorized Tour"), carrying this share of the title's word weight.
MIN_PARTIAL_WORDS = 2
MIN_PARTIAL_SHARE = 0.2
# A run from the middle needs more: "black hand" is a film of its own more often
# than a member's memory of "Five on the Black Hand Side".
MIN_MIDDLE_WORDS = 3
# A query word that is itself a catalog word ("lines" for "lies") is another
# word, not a slip; past this share of the title's word weight the titles differ.
MAX_CONFLICT_SHARE = 0.4
# Words this short hold one slip at most.
SHORT_WORD_CHARS = 3
# A word used by at least this many titles counts as a known word.
KNOWN_WORD_DOCS = 1
# "die hard" is literally Die Hard; a film called "Hard" shares only the key.
ARTICLE_ONLY_PENALTY = 0.5
# A hit is weak (offered in a did-you-mean menu, never shown as a card) when it is
# not exact, the query has at most WEAK_MAX_WORDS words and it scores below
# WEAK_BELOW, i.e. needs two slips: a film the catalog lacks is as often one or two
# slips from a one-word title ("Annette" -> Nanette) as a typo is (docs/matching.md).
WEAK_MAX_WORDS = 1
WEAK_BELOW = 90.0

# Two results closer than this are a coin toss, so the caller should ask.
# Wider than ARTICLE_ONLY_PENALTY and EXACT_PREFIX_SPAN.
AMBIGUITY_MARGIN = 3.0
# A query year that disagrees with the film's year costs more than the
# ambiguity margin, so "heat 1995" is not ambiguous with Heat (1986).
YEAR_MISMATCH_PENALTY = 6.0
YEAR_OFF_BY_ONE_PENALTY = 3.0
YEAR_UNKNOWN_PENALTY = 4.0

IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]
# Scores a query key against candidate keys; search and completion differ here.
KeyScorer: TypeAlias = Callable[[str, str, list[str], list[str], "WordCounts"], FloatArray]


class WordCounts:
    """How many documents (titles and aliases) use each word.

    The catalog's vocabulary tells a slip ("knigth") from another word
    ("lines" for "lies"), and a word's rarity is how much agreeing on it means:
    "strangers" says more than "the" or "man".
    """

    __slots__ = ("_counts", "_documents")

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._documents = 0

    def add(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._counts.update(set(key.split(" ")))
            self._documents += 1

    def remove(self, key: str) -> None:
        self._counts.subtract(set(key.split(" ")))
        self._documents -= 1

    def known(self, word: str) -> bool:
        return self._counts.get(word, 0) >= KNOWN_WORD_DOCS

    def weight(self, word: str) -> float:
        """Inverse document frequency: rare words weigh more."""
        return math.log((self._documents + 1) / (max(self._counts.get(word, 0), 0) + 0.5))


# --------------------------------------------------------------------------
# Public result types
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """One review a query may mean. ``score`` is 0-100, higher is better.

    ``key`` is the normalised title and ``query_year`` the year the query gave
    (if any); :meth:`TitleIndex.is_ambiguous` needs both. ``exact`` says
    whether the member typed this title (or an alias) rather than something close.
    """

    review_id: int
    score: float
    title: str = ""
    year: int | None = None
    key: str = ""
    query_year: int | None = None
    # The query (year aside) is this title or one of its aliases, and any year it
    # gave is the film's: the bot may present it as the answer, not a closest match.
    exact: bool = False
    # Too far from what was typed for a card (see is_weak): the bot offers it in a
    # "did you mean" menu instead.
    weak: bool = False


def is_weak(query_words: int, score: float, exact: bool) -> bool:
    """Whether a search hit is too unsure for a card: a short query needing two slips."""
    return not exact and query_words <= WEAK_MAX_WORDS and score < WEAK_BELOW


def are_ambiguous(matches: Sequence[Match]) -> bool:
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


def match_order(match: Match) -> tuple[float, str, int, int]:
    return (-match.score, match.key, -(match.year or 0), match.review_id)


def _scores(query: str, choices: list[str], scorer: Any = fuzz.ratio) -> FloatArray:
    result = process.cdist([query], choices, scorer=scorer, dtype=np.float64)
    return np.asarray(result[0], dtype=np.float64)


def allowed_slips(length: int) -> int:
    """How many typing slips (OSA edits) a query of ``length`` characters may hold.

    Two slips anywhere is ordinary. A pair of unrelated words that shares one
    word with a title ("lawnmower mauve" vs "Lawnmower Man") is usually three
    or more edits away; measured on the benchmark, allowing three slips below
    30 characters quadrupled false positives at 1M titles for half a point of
    two-typo accuracy.
    """
    if length < SHORT_QUERY_CHARS:
        return 1
    return 2 if length < 30 else 3


def _word_slips(word: str) -> int:
    """Slips one word may hold: one in "of" or "day", so that "man" is not two
    slips from "day"; otherwise the whole query's limit decides."""
    return 1 if len(word) <= SHORT_WORD_CHARS else 2


def words_agree(query: str, title: str, words: WordCounts) -> bool:
    """Whether a near miss differs from ``title`` only by typing slips.

    Numbers must agree ("2049", "127", a sequel's "3"). Word by word, a
    differing word must be within its own slip allowance, and must not be
    another catalog word ("between the lines" is not "Between the Lies"),
    beyond MAX_CONFLICT_SHARE of the title's word weight. When the word counts
    differ only a slipped space is forgiven.
    """
    if numbers(query) != numbers(title):
        return False
    typed, stored = query.split(" "), title.split(" ")
    if len(typed) != len(stored):
        # Only a slipped space ("china town") keeps the words; "three warriors"
        # is not "The Warriors" with two slips.
        return query.replace(" ", "") == title.replace(" ", "")
    conflict = 0.0
    for typed_word, stored_word in zip(typed, stored, strict=True):
        if typed_word == stored_word:
            continue
        slips = OSA.distance(typed_word, stored_word)
        if slips > _word_slips(stored_word):
            return False
        if words.known(typed_word):
            # "three" for "the" is a word of its own, as telling as the rarer of
            # the two; "he" for "the" is one slip and says no more than "the".
            weight = words.weight(stored_word)
            conflict += max(weight, words.weight(typed_word)) if slips > 1 else weight
    if not conflict:
        return True
    return conflict <= MAX_CONFLICT_SHARE * sum(map(words.weight, stored))


def _partial_agrees(query: str, title: str, words: WordCounts) -> bool:
    """Whether a run of the title's words is enough of it to name the film."""
    typed = query.split(" ")
    if len(typed) < MIN_PARTIAL_WORDS:
        return False
    if title.startswith(query) and title[len(query) :].strip().isdigit():
        return False  # "bodies in heat" names the first film, not "Bodies in Heat 2"
    stored_numbers = numbers(title)
    if any(number not in stored_numbers for number in numbers(query)):
        return False
    share = sum(map(words.weight, typed)) / max(sum(map(words.weight, title.split(" "))), 1e-9)
    return share >= MIN_PARTIAL_SHARE


def _near_miss(query: str, choices: list[str], allowed: int) -> FloatArray:
    """Whole-title band: 100 if equal, else NEAR_MISS_TOP less SLIP_COST per slip."""
    edits = process.cdist([query], choices, scorer=OSA.distance, score_cutoff=allowed)[0]
    ratios = _scores(query, choices)
    near = NEAR_MISS_TOP - SLIP_COST * edits - RATIO_TIEBREAK * (100.0 - ratios)
    return np.where(edits == 0, 100.0, np.where(edits <= allowed, near, 0.0))


def _gate(
    scores: FloatArray, query: str, choices: list[str], agree: Callable[[str, str], bool]
) -> FloatArray:
    """Zero the non-exact scores whose words do not agree (checked only where scored)."""
    for i in np.flatnonzero((scores > 0.0) & (scores < 100.0)).tolist():
        if not agree(query, choices[i]):
            scores[i] = 0.0
    return scores


def _without_and(text: str) -> str:
    """ "alex emma" for "Alex & Emma": members drop the "&" entirely."""
    return " ".join(word for word in text.split(" ") if word != "and") or text


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split(" ")))


def search_scores(
    key: str, literal: str, keys: list[str], literals: list[str], words: WordCounts
) -> FloatArray:
    """How plausibly the query names each candidate, in the bands described at
    SEARCH_CUTOFF: the best of the whole title (compared without articles, and
    with them so that a slip in "the" still lines up), the title with its words
    reordered or an "and" left out, and a run of the title's words.
    """
    allowed = allowed_slips(len(key))

    def agree(typed: str, stored: str) -> bool:
        return words_agree(typed, stored, words)

    best = _gate(_near_miss(key, keys, allowed), key, keys, agree)
    if literal != key or literals != keys:
        literal_scores = _gate(_near_miss(literal, literals, allowed), literal, literals, agree)
        np.maximum(best, literal_scores, out=best)
    sorted_keys = [_sorted_words(choice) for choice in keys]
    sorted_query = _sorted_words(key)
    reordered = _gate(
        _near_miss(sorted_query, sorted_keys, allowed), sorted_query, sorted_keys, agree
    )
    np.maximum(best, np.minimum(reordered, 100.0) - VARIANT_COST, out=best)
    if any(" and " in choice for choice in keys):
        # Only the title's "and" goes: "brother rat and" is not the film "Brother Rat".
        plain = [_without_and(choice) for choice in keys]
        without_and = _gate(_near_miss(key, plain, allowed), key, plain, agree)
        np.maximum(best, without_and - VARIANT_COST, out=best)
    if len(key.split(" ")) >= MIN_PARTIAL_WORDS:
        partial = np.maximum(_prefix_scores(key, keys, allowed), _middle_scores(key, keys))
        np.maximum(
            best, _gate(partial, key, keys, lambda q, t: _partial_agrees(q, t, words)), out=best
        )
    return best


def _coverage(key: str, keys: list[str]) -> FloatArray:
    return np.array([len(key) / max(len(k), 1) for k in keys], dtype=np.float64)


def _prefix_scores(key: str, keys: list[str], allowed: int) -> FloatArray:
    """The query as the opening words of a longer title ("eternal sunshine of")."""
    size = len(key)
    boundary = np.array([len(k) > size and k[size] == " " for k in keys], dtype=np.bool_)
    if not boundary.any():
        return np.zeros(len(keys), dtype=np.float64)
    heads = [choice[:size] for choice in keys]
    coverage = _coverage(key, keys)
    exact = boundary & np.array([head == key for head in heads], dtype=np.bool_)
    head = _scores(key, heads)
    edits = process.cdist([key], heads, scorer=OSA.distance, score_cutoff=allowed)[0]
    fuzzy = boundary & (edits <= max(1, allowed - 1)) & (head >= FUZZY_PREFIX_FLOOR)
    return np.where(
        exact,
        EXACT_PREFIX_BASE + EXACT_PREFIX_SPAN * coverage,
        np.where(fuzzy, head * (0.86 + 0.04 * coverage), 0.0),
    )


def _middle_scores(key: str, keys: list[str]) -> FloatArray:
    """The query as a run of words inside a title ("mood for love")."""
    if len(key.split(" ")) < MIN_MIDDLE_WORDS:
        return np.zeros(len(keys), dtype=np.float64)
    inside = np.array([f" {k} ".find(f" {key} ") > 0 for k in keys], dtype=np.bool_)
    if not inside.any():
        return np.zeros(len(keys), dtype=np.float64)
    return np.where(inside, MIDDLE_BASE + MIDDLE_SPAN * _coverage(key, keys), 0.0)


def nearest_scores(
    key: str, literal: str, keys: list[str], literals: list[str], words: WordCounts
) -> FloatArray:
    """Loose similarity for listing the nearest titles when nothing is close enough
    for a card: rapidfuzz's WRatio, which also credits shared words and parts."""
    del literal, literals, words
    return _scores(key, keys, fuzz.WRatio)


def completion_scores(
    key: str, literal: str, keys: list[str], literals: list[str], words: WordCounts
) -> FloatArray:
    """How well what was typed starts each title, or starts a run of words in it."""
    del literal, literals, words  # what is typed is compared with what it could become
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
