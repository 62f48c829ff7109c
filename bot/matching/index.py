"""The title index: trigram candidates, re-ranked by the scorers, kept in step with edits."""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.matching.normalize import MAX_QUERY_CHARS, split_article, split_year, with_article
from bot.matching.scoring import (
    ARTICLE_ONLY_PENALTY,
    COMPLETE_CUTOFF,
    NEAREST_CUTOFF,
    SEARCH_CUTOFF,
    SHORT_QUERY_CHARS,
    SHORT_QUERY_CUTOFF,
    YEAR_MISMATCH_PENALTY,
    YEAR_OFF_BY_ONE_PENALTY,
    YEAR_UNKNOWN_PENALTY,
    FloatArray,
    IntArray,
    KeyScorer,
    Match,
    WordCounts,
    are_ambiguous,
    completion_scores,
    is_weak,
    match_order,
    nearest_scores,
    search_scores,
)
from bot.models import TitleEntry

# Re-ranking is the expensive step, so only this many documents reach it: the
# best by shared-trigram count (finds long titles a prefix was cut from) and
# the best by Dice overlap (finds short titles that share most trigrams).
CANDIDATES_BY_HITS = 120
CANDIDATES_BY_OVERLAP = 120
# Cheapest false-positive guard: a document must share this share of the
# query's trigrams before it is even scored. Two typos in a ten-letter title
# still leave about half of them intact.
MIN_TRIGRAM_SHARE = 0.3
SHORT_MIN_TRIGRAM_SHARE = 0.15
SHORT_KEY_CHARS = 10


EntryLike: TypeAlias = (
    TitleEntry
    | tuple[int, str]
    | tuple[int, str, int | None]
    | tuple[int, str, int | None, Iterable[str]]
)


def _entry_fields(entry: EntryLike) -> tuple[int, str, int | None, Iterable[str]]:
    if isinstance(entry, TitleEntry):
        return entry.review_id, entry.title, entry.year, entry.aliases
    if len(entry) == 2:
        return entry[0], entry[1], None, ()
    if len(entry) == 3:
        return entry[0], entry[1], entry[2], ()
    return entry[0], entry[1], entry[2], entry[3]


# --------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------

# A trigram is stored as one integer: three 21-bit code points.
_CODE_BITS = 21


def gram_codes(key: str, *, open_end: bool = False) -> set[int]:
    """Padded per-word trigrams as integers: " da", "dar", "ark", "rk " for "dark".

    Per-word padding makes word order irrelevant for candidate generation and
    marks where words start and end. With ``open_end`` the last word is still
    being typed, so its closing trigram ("rk ") must not be required.
    Must agree with bulk_gram_pairs, which does the same for many keys at once.
    """
    codes: set[int] = set()
    words = key.split(" ")
    last = len(words) - 1
    for position, word in enumerate(words):
        padded = f" {word}" if open_end and position == last else f" {word} "
        points = [ord(char) for char in padded]
        codes.update(
            (points[i] << (2 * _CODE_BITS)) | (points[i + 1] << _CODE_BITS) | points[i + 2]
            for i in range(len(points) - 2)
        )
    return codes


def bulk_gram_pairs(keys: Sequence[str], docs: Sequence[int]) -> tuple[IntArray, IntArray]:
    """Distinct (trigram code, doc) pairs for many keys, sorted by code then doc.

    Same trigrams as gram_codes, computed with numpy: the keys are laid end to
    end as "\\0 word \\0 word " and every window of three code points without a
    NUL is a trigram; one stable sort groups them by trigram. Far faster than
    appending to posting lists from a Python loop.
    """
    padded = ["\0 " + key.replace(" ", " \0 ") + " " if key else "" for key in keys]
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    text = "".join(padded).encode("utf-32-le", "surrogatepass")
    points = np.frombuffer(text, dtype=np.uint32).astype(np.int64)
    owners = np.repeat(np.asarray(docs, dtype=np.int64), lengths)
    first, second, third = points[:-2], points[1:-1], points[2:]
    valid = (first != 0) & (second != 0) & (third != 0)
    codes = (first[valid] << (2 * _CODE_BITS)) | (second[valid] << _CODE_BITS) | third[valid]
    owners = owners[:-2][valid]
    # Each key's trigrams are contiguous, so after a stable sort by code a
    # key's repeated trigram ("night of the night") sits next to itself.
    order = np.argsort(codes, kind="stable")
    codes, owners = codes[order], owners[order]
    distinct = np.ones(len(codes), dtype=np.bool_)
    distinct[1:] = (codes[1:] != codes[:-1]) | (owners[1:] != owners[:-1])
    return codes[distinct], owners[distinct]


@dataclass(slots=True)
class _Review:
    title: str
    year: int | None
    key: str
    docs: tuple[int, ...]  # the title's document first, then distinct aliases


@dataclass(slots=True)
class _Query:
    """A query read two ways: the whole text, and a title followed by a year."""

    key: str
    literal: str  # the key with its leading article kept
    title_key: str
    title_literal: str
    year: int | None


def _parse_query(text: str, *, typing: bool = False) -> _Query:
    text = text[:MAX_QUERY_CHARS]
    title, year = split_year(text)
    article, key = split_article(text, open_end=typing)
    if year is None:
        title_article, title_key = article, key
    else:
        title_article, title_key = split_article(title, open_end=typing)
    literal, title_literal = with_article(article, key), with_article(title_article, title_key)
    return _Query(key, literal, title_key, title_literal, year)


class TitleIndex:
    """Fuzzy title lookup over one set of reviews.

    Each title and alias is a document in a numbered slot. Removing a review
    takes its documents out of every posting list at once and frees the slots
    for reuse, so an edit never needs a rebuild and a removed film is never
    returned.
    """

    def __init__(self) -> None:
        self._reviews: dict[int, _Review] = {}
        self._postings: dict[int, array[int]] = {}
        self._doc_key: list[str] = []
        self._doc_review: list[int] = []
        self._doc_article: dict[int, str] = {}  # only documents that had one
        self._doc_grams = np.zeros(1024, dtype=np.int32)
        # First and last character and the key of each posted document, as arrays, so
        # the short-query fallback filters them without a Python loop.
        self._doc_first = np.zeros(1024, dtype=np.int32)
        self._doc_last = np.zeros(1024, dtype=np.int32)
        self._doc_keys = np.empty(1024, dtype=object)
        self._free_slots: list[int] = []
        self._unposted: dict[int, None] = {}  # added, not yet in the postings
        # Documents sorted by key, for exact-prefix completion and for the
        # stable alphabetical list shown for empty input. New documents wait
        # unsorted in _pending until a query needs the order.
        self._sorted: list[tuple[str, int]] = []
        self._pending: list[tuple[str, int]] = []
        self._pending_sorted = True
        self._words = WordCounts()  # over posted documents

    def __len__(self) -> int:
        return len(self._reviews)

    def __contains__(self, review_id: object) -> bool:
        return review_id in self._reviews

    # -- changes -----------------------------------------------------------------

    def add(
        self,
        review_id: int,
        title: str,
        year: int | None = None,
        aliases: Iterable[str] = (),
    ) -> None:
        """Index a review under its title and aliases; re-adding an id replaces it."""
        self.remove(review_id)
        review = self._new_review(review_id, title, year, aliases)
        self._reviews[review_id] = review
        # Posting waits for the next query, which posts everything waiting in
        # one numpy pass: a start-up loop of add() calls then costs about what
        # add_many does, and a lone edit costs a pass over one document.
        self._unposted.update(dict.fromkeys(review.docs))

    def add_many(self, entries: Iterable[EntryLike]) -> None:
        """Add many (review_id, title, year, aliases) entries and index them now."""
        for entry in entries:
            review_id, title, year, aliases = _entry_fields(entry)
            if review_id in self._reviews:
                self.remove(review_id)
            review = self._new_review(review_id, title, year, aliases)
            self._reviews[review_id] = review
            self._unposted.update(dict.fromkeys(review.docs))
        self._flush()

    def remove(self, review_id: int) -> None:
        """Forget a review; unknown ids are ignored."""
        review = self._reviews.pop(review_id, None)
        if review is None:
            return
        for doc in review.docs:
            if doc in self._unposted:
                del self._unposted[doc]
            else:
                self._unpost(doc)
            self._free_doc(doc)

    def _new_review(
        self, review_id: int, title: str, year: int | None, aliases: Iterable[str]
    ) -> _Review:
        """Allocate document slots for a title and its distinct aliases."""
        article, key = split_article(title)
        docs = [self._new_doc(review_id, article, key)]
        seen = {key}
        for alias in aliases:
            alias_article, alias_key = split_article(alias)
            if alias_key and alias_key not in seen:
                seen.add(alias_key)
                docs.append(self._new_doc(review_id, alias_article, alias_key))
        return _Review(title, year, key, tuple(docs))

    def _new_doc(self, review_id: int, article: str, key: str) -> int:
        if self._free_slots:
            doc = self._free_slots.pop()
            self._doc_key[doc] = key
            self._doc_review[doc] = review_id
        else:
            doc = len(self._doc_key)
            self._doc_key.append(key)
            self._doc_review.append(review_id)
            if doc >= len(self._doc_grams):
                self._doc_grams = _grown(self._doc_grams)
                self._doc_first = _grown(self._doc_first)
                self._doc_last = _grown(self._doc_last)
                self._doc_keys = _grown(self._doc_keys)
        if article:
            self._doc_article[doc] = article
        return doc

    def _flush(self) -> None:
        """Post the documents add() left waiting."""
        if self._unposted:
            docs = list(self._unposted)
            self._unposted.clear()
            self._post_many(docs)

    def _post_many(self, docs: list[int]) -> None:
        """Add documents to the postings: one numpy pass, then one append per trigram."""
        keys = [self._doc_key[doc] for doc in docs]
        codes, owners = bulk_gram_pairs(keys, docs)
        self._doc_grams[docs] = np.bincount(owners, minlength=len(self._doc_key))[docs]
        self._doc_first[docs] = [ord(key[0]) if key else 0 for key in keys]
        self._doc_last[docs] = [ord(key[-1]) if key else 0 for key in keys]
        self._doc_keys[docs] = keys
        # codes is sorted, so each trigram's documents form one run.
        starts = np.flatnonzero(np.diff(codes)) + 1
        firsts = np.concatenate(([0], starts)).astype(np.int64)[: len(codes)]
        ends = np.concatenate((starts, [len(codes)])).astype(np.int64)[: len(codes)]
        owner_bytes = owners.astype(np.int32).tobytes()
        postings = self._postings
        for code, start, end in zip(
            codes[firsts].tolist(), firsts.tolist(), ends.tolist(), strict=True
        ):
            posting = postings.get(code)
            if posting is None:
                posting = postings[code] = array("i")
            posting.frombytes(owner_bytes[start * 4 : end * 4])
        self._words.add(keys)
        self._pending.extend(zip(keys, docs, strict=True))
        self._pending_sorted = False
        # Keep the unsorted tail short so completion never sorts much at once.
        if len(self._pending) > max(4096, len(self._sorted) // 8):
            self._merge_pending()

    def _unpost(self, doc: int) -> None:
        key = self._doc_key[doc]
        for code in gram_codes(key):
            posting = self._postings[code]
            # numpy finds the slot much faster than array.index on long lists;
            # the temporary view is gone before the array shrinks.
            where = int(np.flatnonzero(np.frombuffer(posting, dtype=np.int32) == doc)[0])
            del posting[where]
            if not posting:
                del self._postings[code]
        self._unsort(key, doc)
        self._words.remove(key)

    def _free_doc(self, doc: int) -> None:
        self._doc_key[doc] = ""
        self._doc_review[doc] = -1
        self._doc_article.pop(doc, None)
        self._doc_grams[doc] = 0
        self._free_slots.append(doc)

    def _unsort(self, key: str, doc: int) -> None:
        entry = (key, doc)
        where = bisect.bisect_left(self._sorted, entry)
        if where < len(self._sorted) and self._sorted[where] == entry:
            del self._sorted[where]
        else:
            self._pending.remove(entry)

    def _merge_pending(self) -> None:
        if not self._pending:
            return
        # Timsort finds the two sorted runs, so this is close to a linear merge.
        self._pending.sort()
        self._sorted.extend(self._pending)
        self._sorted.sort()
        self._pending = []
        self._pending_sorted = True

    def _sorted_prefix(self, prefix: str, limit: int) -> list[int]:
        """Up to ``limit`` documents whose key starts with ``prefix``, in key order."""
        if not self._pending_sorted:
            self._pending.sort()
            self._pending_sorted = True
        found: list[tuple[str, int]] = []
        for entries in (self._sorted, self._pending):
            start = bisect.bisect_left(entries, (prefix, -1))
            for key, doc in entries[start : start + limit]:
                if not key.startswith(prefix):
                    break
                found.append((key, doc))
        found.sort()
        return [doc for _, doc in found[:limit]]

    # -- candidate generation -------------------------------------------------------

    def _candidates(self, codes: set[int], *, min_share: float) -> list[int]:
        """Documents sharing enough trigrams with the query, at most a few hundred."""
        postings = [self._postings[code] for code in codes if code in self._postings]
        if not postings:
            return []
        # One bytes copy rather than numpy views: a live view would pin the
        # arrays and make the next append raise BufferError.
        ids = np.frombuffer(b"".join(postings), dtype=np.int32)
        hits = np.bincount(ids, minlength=len(self._doc_key))
        needed = max(1, math.ceil(min_share * len(codes)))
        docs = np.flatnonzero(hits >= needed)
        if len(docs) <= CANDIDATES_BY_HITS + CANDIDATES_BY_OVERLAP:
            return [int(doc) for doc in docs]
        doc_hits = hits[docs]
        doc_grams = self._doc_grams[docs]
        # Most shared trigrams first, shorter documents first among equals.
        by_hits = doc_hits * 4096 - np.minimum(doc_grams, 4095)
        overlap = doc_hits / (len(codes) + doc_grams)
        chosen = np.union1d(_top(by_hits, CANDIDATES_BY_HITS), _top(overlap, CANDIDATES_BY_OVERLAP))
        return [int(doc) for doc in docs[chosen]]

    # -- scoring ----------------------------------------------------------------------

    def _score(
        self, query: _Query, docs: list[int], score_keys: KeyScorer
    ) -> tuple[FloatArray, list[bool]]:
        """Each document's score, and whether the query names it exactly."""
        keys = [self._doc_key[doc] for doc in docs]
        articles = self._doc_article
        literals = [with_article(articles.get(d, ""), k) for d, k in zip(docs, keys, strict=True)]
        words = self._words
        scores = score_keys(query.key, query.literal, keys, literals, words)
        exact = [key == query.key for key in keys]
        if query.year is not None:
            titled = score_keys(query.title_key, query.title_literal, keys, literals, words)
            np.maximum(scores, titled + self._year_adjustment(docs, query.year), out=scores)
            for i, (doc, key) in enumerate(zip(docs, keys, strict=True)):
                film_year = self._reviews[self._doc_review[doc]].year
                exact[i] = exact[i] or (key == query.title_key and film_year == query.year)
        # "die hard" is literally Die Hard; a film called "Hard" shares only the key.
        exact_key_only = [
            key == query.title_key and literal != query.title_literal
            for key, literal in zip(keys, literals, strict=True)
        ]
        scores[np.asarray(exact_key_only, dtype=np.bool_) & (scores >= 100.0)] -= (
            ARTICLE_ONLY_PENALTY
        )
        return scores, exact

    def _year_adjustment(self, docs: list[int], year: int) -> FloatArray:
        adjust = np.zeros(len(docs), dtype=np.float64)
        for i, doc in enumerate(docs):
            film_year = self._reviews[self._doc_review[doc]].year
            if film_year is None:
                adjust[i] = -YEAR_UNKNOWN_PENALTY
            elif abs(film_year - year) == 1:
                adjust[i] = -YEAR_OFF_BY_ONE_PENALTY
            elif film_year != year:
                adjust[i] = -YEAR_MISMATCH_PENALTY
        return adjust

    def _collect(
        self,
        query: _Query,
        docs: list[int],
        scored: tuple[FloatArray, list[bool]],
        cutoff: float,
        limit: int,
    ) -> list[Match]:
        """One match per review (its best document, exact if any document is), best first."""
        scores, exact = scored
        best: dict[int, tuple[float, bool]] = {}
        for doc, score, is_exact in zip(docs, scores.tolist(), exact, strict=True):
            if score < cutoff:
                continue
            review_id = self._doc_review[doc]
            known_score, known_exact = best.get(review_id, (-1.0, False))
            best[review_id] = (max(score, known_score), is_exact or known_exact)
        matches = [
            self._match(review_id, score, query.year, is_exact)
            for review_id, (score, is_exact) in best.items()
        ]
        matches.sort(key=match_order)
        return matches[:limit]

    def _match(
        self, review_id: int, score: float, query_year: int | None, exact: bool = False
    ) -> Match:
        review = self._reviews[review_id]
        score = round(min(100.0, max(0.0, score)), 2)
        return Match(review_id, score, review.title, review.year, review.key, query_year, exact)

    # -- queries ------------------------------------------------------------------------

    def _query(self, text: str, limit: int, *, typing: bool = False) -> _Query | None:
        """``text`` parsed, every waiting add posted first; None if ``limit`` asks for nothing."""
        if limit <= 0:
            return None
        self._flush()
        return _parse_query(text, typing=typing)

    def search(self, query: str, limit: int = 5) -> list[Match]:
        """The reviews ``query`` most plausibly names, best first; [] if none is plausible.

        A trailing year ("heat 1995", "heat (1995)") prefers films of that year.
        """
        parsed = self._query(query, limit)
        if parsed is None or not parsed.key:
            return []
        docs = self._candidates(gram_codes(parsed.key), min_share=_min_share(parsed.key))
        if parsed.title_key != parsed.key:
            # "heat 1995" also means the film "Heat": its trigrams alone are too
            # small a share of the whole query's to pass the first filter.
            titled_codes = gram_codes(parsed.title_key)
            titled = self._candidates(titled_codes, min_share=_min_share(parsed.title_key))
            docs = sorted(set(docs).union(titled))
        short = len(parsed.title_key.replace(" ", "")) < SHORT_QUERY_CHARS
        cutoff = SHORT_QUERY_CUTOFF if short else SEARCH_CUTOFF
        found = self._collect(parsed, docs, self._score(parsed, docs, search_scores), cutoff, limit)
        if not found and len(parsed.key) <= SHORT_KEY_CHARS:
            # Two slips can leave a short title no trigram at all ("okdoby" and
            # "oldboy" share none), so short queries that found nothing compare
            # against every title of about their length.
            docs = self._similar_length(parsed.key)
            scored = self._score(parsed, docs, search_scores)
            found = self._collect(parsed, docs, scored, cutoff, limit)
        words = parsed.title_key.count(" ") + 1
        return [replace(m, weak=is_weak(words, m.score, m.exact)) for m in found]

    def _similar_length(self, key: str) -> list[int]:
        """Documents within two slips of a short key: of about its length (trigram
        count within two) and, as slips rarely hit both ends of a title, sharing
        its first or its last character."""
        count = len(self._doc_key)
        grams = self._doc_grams[:count]
        size = len(gram_codes(key))
        # Length first: it leaves a small share of a large catalog for the other tests.
        docs = np.flatnonzero((grams >= max(1, size - 2)) & (grams <= size + 2))
        same_end = (self._doc_first[docs] == ord(key[0])) | (self._doc_last[docs] == ord(key[-1]))
        docs = docs[same_end]
        if not len(docs):
            return []
        keys = self._doc_keys[docs].tolist()
        # One cheap pass keeps only those within two slips for the full scoring.
        slips = process.cdist([key], keys, scorer=OSA.distance, score_cutoff=2, workers=1)[0]
        return docs[np.flatnonzero(slips <= 2)].tolist()  # type: ignore[no-any-return]

    def complete(self, text: str, limit: int = 25) -> list[Match]:
        """Autocomplete: titles that what the member has typed so far could start.

        The text may begin any run of words in the title, typos included. Empty
        text gives the first ``limit`` titles in key order, so the menu is never
        blank.
        """
        parsed = self._query(text, limit, typing=True)
        if parsed is None:
            return []
        if not parsed.key:
            return self._first_titles(limit)
        prefix_docs = self._sorted_prefix(parsed.key, CANDIDATES_BY_HITS)
        codes = gram_codes(parsed.key, open_end=True)
        found = self._candidates(codes, min_share=MIN_TRIGRAM_SHARE) if codes else []
        docs = sorted(set(prefix_docs).union(found))
        if not docs:
            return []
        scores = self._score(parsed, docs, completion_scores)
        cutoff = 99.0 if len(parsed.key) < 3 else COMPLETE_CUTOFF
        return self._collect(parsed, docs, scores, cutoff, limit)

    def exact(self, query: str, limit: int = 5) -> list[Match]:
        """Reviews whose title or an alias is ``query`` once normalised: no slips,
        no partial words, no year reading. For finding a film named in a message,
        where anything fuzzier is a guess."""
        parsed = self._query(query, limit)
        if parsed is None or not parsed.key:
            return []
        found = self._sorted_prefix(parsed.key, CANDIDATES_BY_HITS)
        docs = [doc for doc in found if self._doc_key[doc] == parsed.key]
        if not docs:
            return []
        whole = replace(parsed, title_key=parsed.key, title_literal=parsed.literal, year=None)
        scored = self._score(whole, docs, search_scores)
        return self._collect(whole, docs, scored, SEARCH_CUTOFF, limit)

    def nearest(self, query: str, limit: int = 5) -> list[Match]:
        """The titles nearest to ``query``, for a "no match" reply: never a card.

        Looser than :meth:`search` (no slip limit, no word checks), so a member
        who asked for a film the catalog lacks still sees what it has nearby.
        """
        parsed = self._query(query, limit)
        if parsed is None or not parsed.title_key:
            return []
        codes = gram_codes(parsed.title_key)
        docs = self._candidates(codes, min_share=SHORT_MIN_TRIGRAM_SHARE)
        if not docs:
            return []
        scores, _ = self._score(parsed, docs, nearest_scores)
        return self._collect(parsed, docs, (scores, [False] * len(docs)), NEAREST_CUTOFF, limit)

    def _first_titles(self, limit: int) -> list[Match]:
        self._merge_pending()
        matches: list[Match] = []
        seen: set[int] = set()
        for _, doc in self._sorted:
            review_id = self._doc_review[doc]
            if review_id not in seen:
                seen.add(review_id)
                matches.append(self._match(review_id, 0.0, None))
                if len(matches) == limit:
                    break
        return matches

    def is_ambiguous(self, matches: Sequence[Match]) -> bool:
        """Whether the best match is not clearly the one meant (see are_ambiguous)."""
        return are_ambiguous(matches)


def _grown(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A copy twice as long, the new half zero (or None)."""
    grown = np.zeros(len(values) * 2, dtype=values.dtype)
    if values.dtype == object:
        grown[:] = None
    grown[: len(values)] = values
    return grown


def _min_share(key: str) -> float:
    """Two slips in a short word leave few of its trigrams ("gfsligt" shares two of
    seven with "gaslight"), so short queries get a lower bar."""
    return SHORT_MIN_TRIGRAM_SHARE if len(key) <= SHORT_KEY_CHARS else MIN_TRIGRAM_SHARE


def _top(values: npt.NDArray[np.generic], count: int) -> IntArray:
    if len(values) <= count:
        return np.arange(len(values))
    return np.argpartition(values, -count)[-count:]
