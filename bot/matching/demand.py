"""Demand: which typed titles name the same wanted film, and which name none.

Members ask for a missing film in many spellings ("moonlite", "moonlight",
"Moonlight 2016"). A request entry gathers them, so these rules decide when two
spellings are one film, when a published review is the film a spelling asked for,
and which queries are noise rather than a title. They use the title matcher's
normalisation and its typo tolerance (:mod:`bot.matching.scoring`), plus one more
rule the matcher does not need: spellings that sound alike ("lite" for "light",
"fantom" for "phantom") are one film, however many letters they differ by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.matching.normalize import normalize_title, numbers, split_year
from bot.matching.scoring import WordCounts, allowed_slips, words_agree

# Words that name no film on their own: a query of only these is noise in /wanted.
# Only articles, conjunctions and prepositions: pronouns are titles ("It", "Us", "Her").
STOP_WORDS = frozenset(
    {"the", "a", "an", "and", "or", "of", "in", "on", "at", "to", "for", "by", "with"}
    | {"from", "is", "le", "la", "les", "l", "el", "los", "las", "der", "die", "das"}
    | {"il", "lo", "gli", "de", "het", "un", "une", "y", "et", "und"}
)
MIN_LETTERS = 2
# Spelling variants that sound the same, applied word by word after normalisation.
_SOUNDS = (
    (re.compile(r"ight"), "ite"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"([^\W\d_])\1+"), r"\1"),  # "mooonlight", "annete"
    (re.compile(r"(?<=..)e$"), ""),  # a silent final e: "lite" and "lit" sound alike
)
# No catalog words: a typed word is never "another film's word" between two requests.
_NO_WORDS = WordCounts()


@dataclass(frozen=True, slots=True)
class Spelling:
    """One typed title, folded for comparing: its matching key, the year it gave (if
    any), how it sounds, and its key with that year read as part of the title
    ("Wonder Woman 1984" names a film, not Wonder Woman released in 1984)."""

    text: str
    key: str
    year: int | None
    sound: str
    whole: str


# A server's spellings are compared again on every request and every /wanted.
@lru_cache(maxsize=20_000)
def spelling(text: str) -> Spelling:
    """What a member typed (a request, a miss), read with any trailing year."""
    text = " ".join(text.split())
    title, year = split_year(text)
    key = normalize_title(title)
    return Spelling(
        text, key, year, sounds_like(key), key if year is None else normalize_title(text)
    )


def titled(title: str, year: int) -> Spelling:
    """A review's title and year, as a spelling: the title as it is stored."""
    key = normalize_title(title)
    return Spelling(title, key, year, sounds_like(key), key)


def sounds_like(key: str) -> str:
    """``key`` with spelling variants that sound the same folded together."""
    words = []
    for word in key.split(" "):
        for pattern, replacement in _SOUNDS:
            word = pattern.sub(replacement, word)
        words.append(word)
    return " ".join(words)


def slips_apart(a: Spelling, b: Spelling) -> int | None:
    """How far apart two spellings of one film are (0: the same title), or ``None``
    when they name different films.

    Years must agree when both give one ("Heat 1995" is not "Heat 1986"). Titles are
    one film when their keys are equal, when they sound alike, or when they differ
    only by the typing slips the title matcher forgives (as many, per word and in all,
    as a lookup allows, and numbers must agree). A year read off the end of a title
    may be part of it: then the whole keys are compared, years aside.
    """
    years_agree = a.year is None or b.year is None or a.year == b.year
    found = _slips(a.key, a.sound, b.key, b.sound) if years_agree else None
    if found is None and (a.whole != a.key or b.whole != b.key):
        found = _slips(a.whole, sounds_like(a.whole), b.whole, sounds_like(b.whole))
    return found


def _slips(a: str, a_sound: str, b: str, b_sound: str) -> int | None:
    if not a or not b:
        return None
    if a == b:
        return 0
    if numbers(a) != numbers(b):
        return None
    if a_sound == b_sound:
        return 1
    slips = OSA.distance(a, b)
    if slips > allowed_slips(min(len(a), len(b))):
        return None
    # Both ways: a lookup allows a word the slips its stored length allows, and here
    # neither spelling is the stored one.
    agree = words_agree(a, b, _NO_WORDS) and words_agree(b, a, _NO_WORDS)
    return slips if agree else None


def names_nothing(text: str) -> bool:
    """Whether ``text`` cannot be a title at all: under two letters, or only stop words."""
    letters = sum(char.isalpha() for char in text)
    if letters < MIN_LETTERS and not any(char.isdigit() for char in text):
        return True
    words = [word for word in re.split(r"[\W_]+", text.casefold()) if word]
    return bool(words) and all(word in STOP_WORDS for word in words)


def is_noise(text: str) -> bool:
    """Whether a failed lookup of ``text`` says nothing about a wanted film: it names
    nothing (:func:`names_nothing`), or it is only a number ("2019").

    A member's request is not held to the digits rule: asking for "1917" on purpose
    names a film, where a bare number typed into /review is far more often a year.
    """
    letters = sum(char.isalpha() for char in text)
    return names_nothing(text) or (letters == 0)


class Clusters:
    """Spellings gathered into clusters, one per film: each new spelling joins the
    cluster of its nearest same-film spelling (the earliest cluster on a tie).

    Equal keys and equal sounds are found by dictionary, near misses by one rapidfuzz
    pass over the keys of about the same length (slips cannot bridge more), so folding
    a server's thousand misses into its entries stays cheap.
    """

    def __init__(self) -> None:
        self._spellings: list[Spelling] = []
        self._cluster: list[int] = []
        self._by_key: dict[str, list[int]] = {}
        self._by_sound: dict[str, list[int]] = {}
        # Positions and keys by key length, side by side (slips cannot bridge more
        # than a few characters of length).
        self._by_length: dict[int, tuple[list[int], list[str]]] = {}

    def nearest(self, wanted: Spelling) -> int | None:
        """The cluster ``wanted`` names the film of, or ``None``."""
        found = self.closest(wanted)
        return None if found is None else found[1]

    def closest(self, wanted: Spelling) -> tuple[int, int] | None:
        """(slips, cluster) of the nearest same-film spelling, or ``None``."""
        if not wanted.key:
            return None
        seen = [
            *self._by_key.get(wanted.key, ()),
            *self._by_key.get(wanted.whole, ()),
            *self._by_sound.get(wanted.sound, ()),
        ]
        allowed = allowed_slips(len(wanted.key))
        size = len(wanted.key)
        near: list[int] = []
        keys: list[str] = []
        for length in range(size - allowed, size + allowed + 1):
            indexes, length_keys = self._by_length.get(length, ((), ()))
            near.extend(indexes)
            keys.extend(length_keys)
        if near:
            slips = process.cdist(
                [wanted.key], keys, scorer=OSA.distance, score_cutoff=allowed, workers=1
            )[0]
            seen.extend(near[position] for position in np.flatnonzero(slips <= allowed).tolist())
        best: tuple[int, int] | None = None  # (slips, cluster)
        for index in seen:
            found = slips_apart(wanted, self._spellings[index])
            if found is not None and (best is None or (found, self._cluster[index]) < best):
                best = (found, self._cluster[index])
        return best

    def add(self, wanted: Spelling, cluster: int) -> None:
        """Put ``wanted`` in ``cluster`` (any number the caller names its clusters by)."""
        position = len(self._spellings)
        for index, key in ((self._by_key, wanted.key), (self._by_key, wanted.whole)):
            if position not in index.setdefault(key, []):
                index[key].append(position)
        self._by_sound.setdefault(wanted.sound, []).append(position)
        indexes, keys = self._by_length.setdefault(len(wanted.key), ([], []))
        indexes.append(position)
        keys.append(wanted.key)
        self._spellings.append(wanted)
        self._cluster.append(cluster)
