"""Synthetic review texts for the search benchmark: the shape of real text, not its sense.

A search index's size and speed depend on how its words are distributed: a few words
in nearly every review, a long tail each in a handful. So the texts are drawn from
real English words with their real frequencies (the ``wordfreq`` package, in the
optional ``bench`` extra), which follow Zipf's law: the most frequent word is in
every review, the 30,000th in a few dozen. Each review gets a tagline of 4-10 words,
a verdict of 15-40 and a body of 150-600 words in sentences and paragraphs.

Everything is drawn from one fixed seed, so every run (and every engine) indexes the
same texts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

import numpy as np

from bot.models import ReviewDraft

SEED = 20261206
VOCABULARY_SIZE = 30_000
BODY_WORDS = (150, 600)
VERDICT_WORDS = (15, 40)
TAGLINE_WORDS = (4, 10)
SENTENCE_WORDS = (6, 24)
SENTENCES_PER_PARAGRAPH = (3, 7)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    words: tuple[str, ...]  # most frequent first
    cumulative: np.ndarray  # share of all words up to and including each, ending at 1


@cache
def vocabulary(size: int = VOCABULARY_SIZE) -> Vocabulary:
    """The ``size`` most frequent English words (letters only) and their frequencies."""
    from wordfreq import top_n_list, word_frequency  # the optional `bench` extra

    words = tuple(word for word in top_n_list("en", size * 2) if word.isalpha())[:size]
    weights = np.array([word_frequency(word, "en") for word in words], dtype=np.float64)
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0  # no draw past the last word through rounding
    return Vocabulary(words, cumulative)


class TextGenerator:
    """Review-shaped text from :func:`vocabulary`, reproducible from ``seed``."""

    def __init__(self, seed: int = SEED) -> None:
        self._rng = np.random.default_rng(seed)
        self._vocabulary = vocabulary()
        self._words = np.array(self._vocabulary.words, dtype=object)

    def _draw(self, count: int) -> list[str]:
        picks = np.searchsorted(self._vocabulary.cumulative, self._rng.random(count), side="right")
        return list(self._words[picks])

    def _length(self, bounds: tuple[int, int]) -> int:
        return int(self._rng.integers(bounds[0], bounds[1] + 1))

    def sentences(self, count: int) -> list[str]:
        """Sentences of :data:`SENTENCE_WORDS` words holding ``count`` words in all."""
        words = self._draw(count)
        sentences = []
        while words:
            size = min(len(words), self._length(SENTENCE_WORDS))
            sentence, words = words[:size], words[size:]
            sentences.append(" ".join(sentence).capitalize() + ".")
        return sentences

    def paragraphs(self, count: int) -> str:
        sentences = self.sentences(count)
        paragraphs = []
        while sentences:
            size = self._length(SENTENCES_PER_PARAGRAPH)
            paragraphs.append(" ".join(sentences[:size]))
            sentences = sentences[size:]
        return "\n\n".join(paragraphs)

    def tagline(self) -> str:
        return " ".join(self._draw(self._length(TAGLINE_WORDS))).capitalize()

    def verdict_text(self) -> str:
        return " ".join(self.sentences(self._length(VERDICT_WORDS)))

    def body(self) -> str:
        return self.paragraphs(self._length(BODY_WORDS))


def with_texts(reviews: list[ReviewDraft], seed: int = SEED) -> list[ReviewDraft]:
    """``reviews`` with a generated tagline, verdict text and body each."""
    generator = TextGenerator(seed)
    return [
        dataclasses.replace(
            review,
            tagline=generator.tagline(),
            verdict_text=generator.verdict_text(),
            body=generator.body(),
        )
        for review in reviews
    ]
