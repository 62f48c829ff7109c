"""People: what a member types for a director or an actor, resolved to catalog names.

``/random director: nolan`` means Christopher Nolan, ``cast: de niro`` Robert De
Niro and ``cast: al pachino`` Al Pacino. The store filters on exact names, so
the typed text is first resolved here to a name the catalog holds.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.matching.normalize import MAX_QUERY_CHARS, NON_WORD, fold_characters

# Score bands: the whole name; its surname (the last words, "de niro"); any
# other run of its words ("christopher"); a name or surname within a slip or two.
FULL_NAME = 100.0
SURNAME = 95.0
OTHER_WORDS = 90.0
FUZZY_TOP = 88.0
SLIP_COST = 6.0
# Shorter names allow fewer slips: one below this many letters, else two.
TWO_SLIP_CHARS = 8
# A fuzzy surname needs this many letters ("nolan"), or any short word is near one.
MIN_FUZZY_SURNAME = 4


def person_key(name: str) -> str:
    """Case, accents and punctuation folded: "Robert De Niro" -> "robert de niro"."""
    folded = fold_characters(name[:MAX_QUERY_CHARS])
    return " ".join(token for token in NON_WORD.split(folded) if token)


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """A catalog name for what was typed; ``films`` is how many reviews carry it."""

    name: str
    score: float
    films: int


class PeopleIndex:
    """The directors (or the cast) of one catalog view, found by surname or fuzzily."""

    def __init__(self, names: Iterable[tuple[str, int]]) -> None:
        self._names: list[str] = []
        self._films: list[int] = []
        self._keys: list[str] = []
        self._surnames: list[str] = []  # last word of each key
        self._joined_tails: list[str] = []  # last two words run together: "deniro"
        self._runs: dict[str, list[int]] = defaultdict(list)  # word run -> people
        self._sorted_words: list[tuple[str, int]] = []  # every word, for completion
        for name, films in names:
            key = person_key(name)
            if not key:
                continue
            person = len(self._names)
            self._names.append(name)
            self._films.append(films)
            self._keys.append(key)
            words = key.split(" ")
            self._surnames.append(words[-1])
            self._joined_tails.append("".join(words[-2:]))
            for start in range(len(words)):
                for end in range(start + 1, len(words) + 1):
                    self._runs[" ".join(words[start:end])].append(person)
            self._sorted_words.extend(
                (" ".join(words[start:]), person) for start in range(len(words))
            )
        self._sorted_words.sort()

    def __len__(self) -> int:
        return len(self._names)

    def search(self, typed: str, limit: int = 5) -> list[PersonMatch]:
        """The names ``typed`` may mean, best first (most films first among equals)."""
        key = person_key(typed)
        if not key or not self._names:
            return []
        scores: dict[int, float] = {}
        for person in self._runs.get(key, ()):
            if self._keys[person] == key:
                scores[person] = FULL_NAME
            elif self._keys[person].endswith(" " + key):
                scores[person] = SURNAME
            else:
                scores[person] = OTHER_WORDS
        if not scores:
            scores = self._fuzzy(key)
        ranked = sorted(scores, key=lambda p: (-scores[p], -self._films[p], self._names[p]))
        return [PersonMatch(self._names[p], scores[p], self._films[p]) for p in ranked[:limit]]

    def _fuzzy(self, key: str) -> dict[int, float]:
        """Names, or surnames, within a slip or two of the typed text."""
        allowed = 1 if len(key) < TWO_SLIP_CHARS else 2
        scores: dict[int, float] = {}
        targets = [self._keys]
        if " " not in key and len(key) >= MIN_FUZZY_SURNAME:
            targets += [self._surnames, self._joined_tails]
        for choices in targets:
            edits = process.cdist([key], choices, scorer=OSA.distance, score_cutoff=allowed)[0]
            for person in np.flatnonzero(edits <= allowed).tolist():
                score = FUZZY_TOP - SLIP_COST * float(edits[person])
                scores[person] = max(score, scores.get(person, 0.0))
        return scores

    def resolve(self, typed: str) -> str | None:
        """The one catalog name a filter should use for ``typed``, or None."""
        found = self.search(typed, limit=1)
        return found[0].name if found else None

    def complete(self, typed: str, limit: int = 25) -> list[str]:
        """Names with a word starting what is typed ("noL" -> Christopher Nolan), then
        fuzzy matches; the most-reviewed first."""
        key = person_key(typed)
        if not key:
            people = sorted(
                range(len(self._names)), key=lambda p: (-self._films[p], self._names[p])
            )
            return [self._names[p] for p in people[:limit]]
        start = bisect.bisect_left(self._sorted_words, (key, -1))
        found: dict[int, None] = {}
        for words, person in self._sorted_words[start:]:
            if not words.startswith(key):
                break
            found[person] = None
        people = sorted(found, key=lambda p: (-self._films[p], self._names[p]))
        if not people:
            return [match.name for match in self.search(typed, limit)]
        return [self._names[p] for p in people[:limit]]
