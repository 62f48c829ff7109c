"""Normalisation: how titles and queries are folded into one comparable key."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date

from bot.validation import MIN_YEAR

# Titles are never this long; capping the query keeps a pasted 100 kB message
# from costing more than an ordinary lookup.
MAX_QUERY_CHARS = 200

# A trailing number is read as a release year only up to next year: "Blade
# Runner 2049" names a film, not Blade Runner released in 2049.
LATEST_YEAR = date.today().year + 1

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
NON_WORD = re.compile(r"[\W_]+")

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


def fold_characters(text: str) -> str:
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


def split_article(text: str, *, open_end: bool = False) -> tuple[str, str]:
    """(dropped leading article or "", normalised title): normalize_title's work.

    The article is kept aside so a literal match ("die hard" for "Die Hard")
    can outrank one that only agrees without it (a film called "Hard").
    ``open_end`` marks text that is still being typed (see _canonical_tokens).
    """
    folded = fold_characters(text)
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
    tokens = [token for token in NON_WORD.split(text) if token]
    if list(map(len, tokens)).count(1) >= 3:
        tokens = _join_spelled_out(tokens)
    tokens = _canonical_tokens(tokens, open_end=open_end)
    if len(tokens) > 1 and tokens[0] in _DROPPED_ARTICLES:
        return tokens[0], " ".join(tokens[1:])
    if tokens:
        return "", " ".join(tokens)
    # Titles made only of symbols ("$", "!!!") still need a key of their own.
    return "", " ".join("".join(ch for ch in folded if ch.isprintable()).split())


def with_article(article: str, key: str) -> str:
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
    return split_article(text)[1]


def split_year(query: str) -> tuple[str, int | None]:
    """Split a trailing release year off a query: "heat (1995)" -> ("heat", 1995).

    Accepts ``1995``, ``(1995)``, ``[1995]``, ``, 1995`` and ``- 1995`` at the
    end. A query that is only a number ("1984", "2001") is a title, not a year,
    and so is a number no film could have been released in yet ("Blade Runner
    2049"). Reads the text from the right once, so its cost is linear.
    """
    query = query[: MAX_QUERY_CHARS * 2].strip()
    end = len(query.rstrip(" \t\r\n."))
    end = len(query[:end].removesuffix(")").removesuffix("]").rstrip())
    start = end - 4
    digits = query[start:end]
    if start < 0 or not (digits.isascii() and digits.isdigit()):
        return query, None
    if start > 0 and query[start - 1].isdigit():
        return query, None  # part of a longer number
    title = query[:start].rstrip().removesuffix("(").removesuffix("[").rstrip(" \t\r\n,([-")
    year = int(digits)
    if not any(char.isalnum() for char in title) or not MIN_YEAR <= year <= LATEST_YEAR:
        return query, None
    return title, year


def numbers(key: str) -> list[str]:
    """The numbers in a normalised key, in order: they must agree for titles to."""
    return [word for word in key.split(" ") if word.isdigit()]
