"""Correcting a mistyped search word to the nearest word the catalog holds.

The engines' vocabularies hold stems, not words ("haunt" for haunted, haunting and
haunts; "stori" for story and stories), so a typed word is compared with the forms
a stem takes: the stem with a common English ending, and a final "i" read back as
the "y" the stemmer turned into it. "hauntng" is one edit from "haunting" (haunt +
ing); "storys" one from "story". The nearest stem within a couple of edits wins,
then the one more reviews hold: a query then finds what its author meant, and the
search says which word it used instead.

Which word to show for the stem is the engine's to say (it marks where a stem
matched in a review's text): :func:`closest_word` picks, among those, the one
nearest to what was typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rapidfuzz.distance import OSA

from bot.matching.query import fold

# Endings a stem most often loses (Porter's and Snowball's English stemmers).
ENDINGS = (
    "",
    "e",
    "s",
    "es",
    "ed",
    "er",
    "ers",
    "ing",
    "ings",
    "ly",
    "y",
    "al",
    "ally",
    "ful",
    "ness",
    "ment",
    "ments",
    "ion",
    "ions",
    "ation",
    "ations",
    "ity",
    "ive",
    "ous",
    "ism",
    "ist",
    "ists",
    "able",
)
_LONGEST_ENDING = max(map(len, ENDINGS))
SHORTEST_CORRECTED = 4  # "cat" is one edit from a hundred words: shorter ones are left alone
CANDIDATES = 3  # stems tried, nearest first, until one has a word the member may see


def max_edits(word: str) -> int:
    """Typing slips allowed for ``word``: none under :data:`SHORTEST_CORRECTED` letters,
    one up to 5, two beyond."""
    if len(word) < SHORTEST_CORRECTED or not word.isalpha():
        return 0
    return 1 if len(word) <= 5 else 2


def _forms(stem: str, length: int, budget: int) -> Iterable[str]:
    """The forms of ``stem`` that could be within ``budget`` edits of a word of ``length``."""
    bases = [stem, stem[:-1] + "y"] if stem.endswith("i") else [stem]
    for base in bases:
        for ending in ENDINGS:
            if abs(len(base) + len(ending) - length) <= budget:
                yield base + ending


def nearest_stems(word: str, vocabulary: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """Up to :data:`CANDIDATES` stems of ``vocabulary`` ((stem, reviews holding it)) whose
    forms are within :func:`max_edits` of ``word``, with their edits: fewest edits
    first, then the stems more reviews hold."""
    typed = fold(word)
    budget = max_edits(typed)
    if budget == 0:
        return []
    scored: list[tuple[int, int, str]] = []
    for stem, documents in vocabulary:
        if len(stem) > len(typed) + budget or len(stem) + _LONGEST_ENDING < len(typed) - budget:
            continue
        distance = min(
            (
                OSA.distance(typed, form, score_cutoff=budget)
                for form in _forms(stem, len(typed), budget)
            ),
            default=budget + 1,
        )
        if distance <= budget:
            scored.append((distance, -documents, stem))
    scored.sort()
    return [(stem, distance) for distance, _, stem in scored[:CANDIDATES]]


def closest_word(word: str, candidates: Sequence[str]) -> str | None:
    """Of ``candidates`` (words a stem matched in reviews), the one nearest ``word``,
    lower-cased; the most frequent among equally near ones."""
    typed = fold(word)
    counts: dict[str, int] = {}
    for candidate in candidates:
        folded = candidate.casefold()
        counts[folded] = counts.get(folded, 0) + 1
    if not counts:
        return None
    return min(counts, key=lambda found: (OSA.distance(typed, fold(found)), -counts[found], found))
