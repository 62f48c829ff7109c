"""Fuzzy film-title matching: the only module that knows how titles are compared.

Members type titles badly ("all of us strangrs", "the dark knight" for a catalog's
"Dark Knight, The", "godfather 2", "heat 1995", the first words of a long title).
:class:`TitleIndex` finds the film they mean quickly enough to run on every
autocomplete keystroke, and returns nothing rather than invent a match.

How a lookup works (docs/matching.md has the measurements behind each choice):

1. :func:`normalize_title` folds titles and queries the same way, so most of
   the "typed it differently" cases become exact string equality.
2. Candidates come from a trigram inverted index: every normalised word
   contributes its padded trigrams, each trigram maps to the documents that
   contain it, and ``numpy.bincount`` over the posting lists counts how many
   query trigrams each document shares. Only the few hundred best-covered
   documents survive, so the cost hardly depends on catalog size.
3. The survivors are re-ranked with rapidfuzz on the normalised strings
   (whole-title ratio, opening-words prefix, reordered words) into score
   bands, and a near miss only counts within a couple of typing slips (OSA
   edit distance). That limit, more than the score cutoff, is what keeps
   nonsense such as "lawnmower mauve" from matching "Lawnmower Man".

Adding a review only normalises it; the next query posts everything added
since in one numpy pass. Removing takes a review's documents out of the
posting lists directly, so edits never rebuild the index.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.models import MAX_YEAR, MIN_YEAR, TitleEntry

__all__ = [
    "Match",
    "ScopedTitleIndex",
    "TitleEntry",
    "TitleIndex",
    "normalize_title",
    "split_year",
]

# Titles are never this long; capping the query keeps a pasted 100 kB message
# from costing more than an ordinary lookup.
MAX_QUERY_CHARS = 200

# Re-ranking is the expensive step, so only this many documents reach it: the
# best by shared-trigram count (finds long titles a prefix was cut from) and
# the best by Dice overlap (finds short titles that share most trigrams).
CANDIDATES_BY_HITS = 120
CANDIDATES_BY_OVERLAP = 120
# Cheapest false-positive guard: a document must share this share of the
# query's trigrams before it is even scored. Two typos in a ten-letter title
# still leave about half of them intact.
MIN_TRIGRAM_SHARE = 0.3

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
# Normalisation
# --------------------------------------------------------------------------

# Letters NFKD does not decompose, quotes that should all be one apostrophe,
# and dashes/dots that should all be one separator.
_CHAR_MAP = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′ʼ`´", "'"),
        **dict.fromkeys("“”„″", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        **dict.fromkeys("•‧∙⋅", "·"),
        **{"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d"},
        **{"þ": "th", "ı": "i", "ħ": "h", "ŧ": "t"},
    }
)
# Marks left by NFKD, and invisible format characters (zero-width joiners, RTL
# overrides, soft hyphens) that would otherwise split or hide a word. Control
# characters are not dropped: tabs and newlines separate words.
_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})

# Catalogs write "Dark Knight, The"; members write "The Dark Knight". Moving
# the article back to the front lets the leading-article rule treat both alike.
# This list is broader than the dropped ones: "Vitelloni, I" becomes
# "i vitelloni", which is how people type it, but "i" itself is not dropped.
_MOVABLE_ARTICLES = (
    "the|a|an|le|la|les|l'|un|une|el|los|las|una|der|die|das|den|dem|ein|eine|"
    "il|lo|gli|i|de|het|een|o|os|as|det|en|ha-|al-"
)
_TRAILING_ARTICLE = re.compile(rf"^(?P<body>.*\S)\s*,\s*(?P<article>{_MOVABLE_ARTICLES})$")
_LEADING_ELISION = re.compile(r"^l'\s*")
# "L.A.", "E.T.", "S.W.A.T.": people type these without dots.
_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}")
# "WALL·E", "WALL-E": a single trailing letter glued on is part of the word.
_GLUED_LETTER = re.compile(r"(?<=[^\W\d_]{2})[-·](?=[^\W\d_](?:[^\w]|$))")
_NON_WORD = re.compile(r"[\W_]+")

_DROPPED_ARTICLES = frozenset(
    {"the", "a", "an", "le", "la", "les", "l", "el", "los", "las", "der", "die", "das"}
    | {"il", "lo", "gli", "de", "het"}
)
# Words after which a numeral is a sequel number ("Part II", "Episode I").
_SEQUEL_WORDS = frozenset({"part", "episode", "chapter", "vol", "book"})
_WORD_ALIASES = {"pt": "part", "volume": "vol", "ep": "episode"}


# I..XXXIX. Sequel numbers above 39 do not occur, and leaving out M, D, C and L
# keeps words such as "mix", "dix", "mild" and "civil" away from the rule.
_ROMAN_ONES = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"]
_ROMAN_NUMERALS = {
    "x" * tens + ones: tens * 10 + value
    for tens in range(4)
    for value, ones in enumerate(_ROMAN_ONES)
    if tens or value
}
_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"], start=1
    )
}
# Only titles containing one of these need the slower token rules below.
_SPECIAL_TOKENS = (
    frozenset(_ROMAN_NUMERALS) | frozenset(_NUMBER_WORDS) | frozenset(_WORD_ALIASES) | {"part"}
)


def _numeral(tokens: Sequence[str], position: int) -> int | None:
    """The number a token stands for, if it is a sequel number in this place.

    A leading token is never a numeral ("I Am Legend", "X-Men", "V for
    Vendetta"). After "part"/"episode"/... any numeral or number word counts.
    Elsewhere only multi-letter numerals count ("Rocky II", "Richard III"), plus
    a final "V" or "X" ("Rocky V", "Henry V"); a lone "I" is the pronoun in
    "Who Am I", and "Mix" or "Dix" are not numerals at all (see _ROMAN_NUMERALS).
    """
    token = tokens[position]
    if position == 0:
        return None
    after_sequel_word = tokens[position - 1] in _SEQUEL_WORDS
    if after_sequel_word and token in _NUMBER_WORDS:
        return _NUMBER_WORDS[token]
    value = _ROMAN_NUMERALS.get(token)
    if value is None:
        return None
    if after_sequel_word or len(token) > 1:
        return value
    is_last = position == len(tokens) - 1
    return value if is_last and token in ("v", "x") else None


def _canonical_tokens(tokens: list[str], *, open_end: bool = False) -> list[str]:
    if _SPECIAL_TOKENS.isdisjoint(tokens):
        return tokens
    if open_end and len(tokens[-1]) == 1 and tokens[-1].isalpha():
        # Still being typed: the "v" of "la v" is the start of "voce", not 5.
        return [*_canonical_tokens(tokens[:-1]), tokens[-1]]
    tokens = [_WORD_ALIASES.get(token, token) for token in tokens]
    out: list[str] = []
    for position, token in enumerate(tokens):
        value = _numeral(tokens, position)
        out.append(token if value is None else str(value))
    # "Godfather Part II" and "godfather 2" are the same request.
    return [
        token
        for position, token in enumerate(out)
        if not (token == "part" and 0 < position < len(out) - 1 and out[position + 1].isdigit())
    ]


def _join_spelled_out(tokens: list[str]) -> list[str]:
    """ "C.H.U.D." and "c h u d" are both "chud": join runs of three or more
    single letters (two would swallow "I, a Woman")."""
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        out.extend(["".join(run)] if len(run) >= 3 else run)
        run = []
        if token:
            out.append(token)
    return out


def _fold(text: str) -> str:
    """Case, accents, compatibility forms and invisible characters, nothing else."""
    text = text[:MAX_QUERY_CHARS]
    if text.isascii():
        text = text.lower()
        return text.replace("`", "'") if "`" in text else text
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    # casefold runs before NFKD, so compatibility characters that decompose to
    # capitals ("ℌ") need one more lowering.
    return text.translate(_CHAR_MAP).lower()


def _split_article(text: str, *, open_end: bool = False) -> tuple[str, str]:
    """(dropped leading article or "", normalised title): normalize_title's work.

    The article is kept aside so a literal match ("die hard" for "Die Hard")
    can outrank one that only agrees without it (a film called "Hard").
    ``open_end`` marks text that is still being typed (see _canonical_tokens).
    """
    folded = _fold(text)
    text = folded.replace("&", " and ") if "&" in folded else folded
    if "." in text:
        text = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    if "-" in text or "·" in text:
        text = _GLUED_LETTER.sub("", text)
    text = text.strip(' \t\r\n".!?;:·()[]')
    if "," in text:
        moved = _TRAILING_ARTICLE.match(text)
        if moved is not None:
            article = moved["article"]
            glue = "" if article.endswith(("'", "-")) else " "
            text = f"{article}{glue}{moved['body']}"
    if "'" in text:
        text = _LEADING_ELISION.sub("l ", text).replace("'", "")
    tokens = [token for token in _NON_WORD.split(text) if token]
    if list(map(len, tokens)).count(1) >= 3:
        tokens = _join_spelled_out(tokens)
    tokens = _canonical_tokens(tokens, open_end=open_end)
    if len(tokens) > 1 and tokens[0] in _DROPPED_ARTICLES:
        return tokens[0], " ".join(tokens[1:])
    if tokens:
        return "", " ".join(tokens)
    # Titles made only of symbols ("$", "!!!") still need a key of their own.
    return "", " ".join("".join(ch for ch in folded if ch.isprintable()).split())


def _literal(article: str, key: str) -> str:
    return f"{article} {key}" if article else key


def normalize_title(text: str) -> str:
    """The matching key for a title or a query; both go through this one function.

    Case-folds, strips accents (and maps ß/æ/ø/œ/ł...), unifies quotes and dashes,
    removes invisible characters, turns "&" into "and", moves a catalog-style
    trailing article to the front ("Dark Knight, The") and drops a leading
    article in English, French, Spanish, German, Italian or Dutch, turns
    sequel numerals into digits ("Part II" -> "2", "Godfather II" -> "godfather
    2") and collapses punctuation and whitespace to single spaces.

    >>> normalize_title("Dark Knight, The") == normalize_title("the dark knight")
    True
    >>> normalize_title("The Godfather: Part II")
    'godfather 2'
    """
    return _split_article(text)[1]


_TRAILING_YEAR = re.compile(
    r"^(?P<title>.*?[^\W_].*?)[\s,(\[\-]*[(\[]?\s*(?P<year>\d{4})\s*[)\]]?[\s.]*$"
)


def split_year(query: str) -> tuple[str, int | None]:
    """Split a trailing release year off a query: "heat (1995)" -> ("heat", 1995).

    A query that is only a number ("1984", "2001") is a title, not a year, and
    so is any four-digit number outside the years films were made.
    """
    query = query[: MAX_QUERY_CHARS * 2].strip()
    found = _TRAILING_YEAR.match(query)
    if found is None:
        return query, None
    year = int(found["year"])
    title = found["title"].rstrip(" ,-([")
    if not MIN_YEAR <= year <= MAX_YEAR or not title:
        return query, None
    return title, year


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


# --------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------

# A trigram is stored as one integer: three 21-bit code points.
_CODE_BITS = 21


def _gram_codes(key: str, *, open_end: bool = False) -> set[int]:
    """Padded per-word trigrams as integers: " da", "dar", "ark", "rk " for "dark".

    Per-word padding makes word order irrelevant for candidate generation and
    marks where words start and end. With ``open_end`` the last word is still
    being typed, so its closing trigram ("rk ") must not be required.
    Must agree with _bulk_gram_pairs, which does the same for many keys at once.
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


def _bulk_gram_pairs(keys: Sequence[str], docs: Sequence[int]) -> tuple[IntArray, IntArray]:
    """Distinct (trigram code, doc) pairs for many keys, sorted by code then doc.

    Same trigrams as _gram_codes, computed with numpy: the keys are laid end to
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
    article, key = _split_article(text, open_end=typing)
    if year is None:
        title_article, title_key = article, key
    else:
        title_article, title_key = _split_article(title, open_end=typing)
    literal, title_literal = _literal(article, key), _literal(title_article, title_key)
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
        self._free_slots: list[int] = []
        self._unposted: dict[int, None] = {}  # added, not yet in the postings
        # Documents sorted by key, for exact-prefix completion and for the
        # stable alphabetical list shown for empty input. New documents wait
        # unsorted in _pending until a query needs the order.
        self._sorted: list[tuple[str, int]] = []
        self._pending: list[tuple[str, int]] = []
        self._pending_sorted = True

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
        article, key = _split_article(title)
        docs = [self._new_doc(review_id, article, key)]
        seen = {key}
        for alias in aliases:
            alias_article, alias_key = _split_article(alias)
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
                grown = np.zeros(len(self._doc_grams) * 2, dtype=np.int32)
                grown[: len(self._doc_grams)] = self._doc_grams
                self._doc_grams = grown
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
        codes, owners = _bulk_gram_pairs(keys, docs)
        self._doc_grams[docs] = np.bincount(owners, minlength=len(self._doc_key))[docs]
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
        self._pending.extend(zip(keys, docs, strict=True))
        self._pending_sorted = False
        # Keep the unsorted tail short so completion never sorts much at once.
        if len(self._pending) > max(4096, len(self._sorted) // 8):
            self._merge_pending()

    def _unpost(self, doc: int) -> None:
        key = self._doc_key[doc]
        for code in _gram_codes(key):
            posting = self._postings[code]
            # numpy finds the slot much faster than array.index on long lists;
            # the temporary view is gone before the array shrinks.
            where = int(np.flatnonzero(np.frombuffer(posting, dtype=np.int32) == doc)[0])
            del posting[where]
            if not posting:
                del self._postings[code]
        self._unsort(key, doc)

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

    def _score(self, query: _Query, docs: list[int], score_keys: _KeyScorer) -> FloatArray:
        keys = [self._doc_key[doc] for doc in docs]
        articles = self._doc_article
        literals = [_literal(articles.get(d, ""), k) for d, k in zip(docs, keys, strict=True)]
        scores = score_keys(query.key, query.literal, keys, literals)
        if query.year is not None:
            titled = score_keys(query.title_key, query.title_literal, keys, literals)
            np.maximum(scores, titled + self._year_adjustment(docs, query.year), out=scores)
        # "die hard" is literally Die Hard; a film called "Hard" shares only the key.
        exact_key_only = [
            key == query.title_key and literal != query.title_literal
            for key, literal in zip(keys, literals, strict=True)
        ]
        scores[np.asarray(exact_key_only, dtype=np.bool_) & (scores >= 100.0)] -= (
            ARTICLE_ONLY_PENALTY
        )
        return scores

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
        self, query: _Query, docs: list[int], scores: FloatArray, cutoff: float, limit: int
    ) -> list[Match]:
        """One match per review (its best document), best first."""
        best: dict[int, float] = {}
        for doc, score in zip(docs, scores.tolist(), strict=True):
            if score < cutoff:
                continue
            review_id = self._doc_review[doc]
            if score > best.get(review_id, -1.0):
                best[review_id] = score
        matches = [self._match(review_id, score, query.year) for review_id, score in best.items()]
        matches.sort(key=_match_order)
        return matches[:limit]

    def _match(self, review_id: int, score: float, query_year: int | None) -> Match:
        review = self._reviews[review_id]
        score = round(min(100.0, max(0.0, score)), 2)
        return Match(review_id, score, review.title, review.year, review.key, query_year)

    # -- queries ------------------------------------------------------------------------

    def search(self, query: str, limit: int = 5) -> list[Match]:
        """The reviews ``query`` most plausibly names, best first; [] if none is plausible.

        A trailing year ("heat 1995", "heat (1995)") prefers films of that year.
        """
        if limit <= 0:
            return []
        self._flush()
        parsed = _parse_query(query)
        if not parsed.key:
            return []
        docs = self._candidates(_gram_codes(parsed.key), min_share=MIN_TRIGRAM_SHARE)
        if parsed.title_key != parsed.key:
            # "heat 1995" also means the film "Heat": its trigrams alone are too
            # small a share of the whole query's to pass the first filter.
            titled = self._candidates(_gram_codes(parsed.title_key), min_share=MIN_TRIGRAM_SHARE)
            docs = sorted(set(docs).union(titled))
        if not docs:
            return []
        scores = self._score(parsed, docs, _search_scores)
        short = len(parsed.title_key.replace(" ", "")) < SHORT_QUERY_CHARS
        cutoff = SHORT_QUERY_CUTOFF if short else SEARCH_CUTOFF
        return self._collect(parsed, docs, scores, cutoff, limit)

    def complete(self, text: str, limit: int = 25) -> list[Match]:
        """Autocomplete: titles that what the member has typed so far could start.

        The text may begin any run of words in the title, typos included. Empty
        text gives the first ``limit`` titles in key order, so the menu is never
        blank.
        """
        if limit <= 0:
            return []
        self._flush()
        parsed = _parse_query(text, typing=True)
        if not parsed.key:
            return self._first_titles(limit)
        prefix_docs = self._sorted_prefix(parsed.key, CANDIDATES_BY_HITS)
        codes = _gram_codes(parsed.key, open_end=True)
        found = self._candidates(codes, min_share=MIN_TRIGRAM_SHARE) if codes else []
        docs = sorted(set(prefix_docs).union(found))
        if not docs:
            return []
        scores = self._score(parsed, docs, _completion_scores)
        cutoff = 99.0 if len(parsed.key) < 3 else COMPLETE_CUTOFF
        return self._collect(parsed, docs, scores, cutoff, limit)

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
        """Whether the best match is not clearly the one meant (see _is_ambiguous)."""
        return _is_ambiguous(matches)


def _top(values: npt.NDArray[np.generic], count: int) -> IntArray:
    if len(values) <= count:
        return np.arange(len(values))
    return np.argpartition(values, -count)[-count:]


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


# --------------------------------------------------------------------------
# Scoped indexes: global reviews plus one set per guild
# --------------------------------------------------------------------------


class ScopedTitleIndex:
    """One :class:`TitleIndex` per scope; a guild sees global reviews and its own."""

    def __init__(self) -> None:
        self._indexes: dict[int | None, TitleIndex] = {None: TitleIndex()}
        self._scope_of: dict[int, int | None] = {}

    def __len__(self) -> int:
        return len(self._scope_of)

    def __contains__(self, review_id: object) -> bool:
        return review_id in self._scope_of

    def scope_of(self, review_id: int) -> int | None:
        """The scope a review was added under (KeyError if unknown)."""
        return self._scope_of[review_id]

    def add(
        self,
        review_id: int,
        title: str,
        year: int | None = None,
        aliases: Iterable[str] = (),
        scope: int | None = None,
    ) -> None:
        """Index a review in ``scope`` (None = global); re-adding an id replaces it."""
        self.remove(review_id)
        index = self._indexes.get(scope)
        if index is None:
            index = self._indexes[scope] = TitleIndex()
        index.add(review_id, title, year, aliases)
        self._scope_of[review_id] = scope

    def add_many(
        self,
        entries: Iterable[tuple[int, str, int | None, Iterable[str], int | None]],
    ) -> None:
        """Bulk add (review_id, title, year, aliases, scope) tuples."""
        by_scope: dict[int | None, list[TitleEntry]] = {}
        for review_id, title, year, aliases, scope in entries:
            self.remove(review_id)
            by_scope.setdefault(scope, []).append(
                TitleEntry(review_id, title, year, tuple(aliases))
            )
            self._scope_of[review_id] = scope
        for scope, scoped in by_scope.items():
            index = self._indexes.get(scope)
            if index is None:
                index = self._indexes[scope] = TitleIndex()
            index.add_many(scoped)

    def remove(self, review_id: int) -> None:
        """Forget a review wherever it lives; unknown ids are ignored."""
        if review_id not in self._scope_of:
            return
        scope = self._scope_of.pop(review_id)
        index = self._indexes[scope]
        index.remove(review_id)
        if scope is not None and not len(index):
            del self._indexes[scope]

    def _visible(self, guild_id: int | None) -> list[TitleIndex]:
        indexes = [self._indexes[None]]
        if guild_id is not None and guild_id in self._indexes:
            indexes.append(self._indexes[guild_id])
        return indexes

    def search(self, query: str, guild_id: int | None, limit: int = 5) -> list[Match]:
        """Search global reviews and ``guild_id``'s own, merged by score."""
        found = [m for index in self._visible(guild_id) for m in index.search(query, limit)]
        found.sort(key=_match_order)
        return found[:limit]

    def complete(self, text: str, guild_id: int | None, limit: int = 25) -> list[Match]:
        """Autocomplete over global reviews and ``guild_id``'s own."""
        found = [m for index in self._visible(guild_id) for m in index.complete(text, limit)]
        found.sort(key=_match_order)
        return found[:limit]

    def is_ambiguous(self, matches: Sequence[Match]) -> bool:
        """Whether the best match is not clearly the one meant (see _is_ambiguous)."""
        return _is_ambiguous(matches)
