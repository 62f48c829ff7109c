"""What a member typed into a search, read as web-search syntax, engine-neutral.

The syntax is PostgreSQL's ``websearch_to_tsquery``, which members know from every
search box: words must all be there, ``"a quoted phrase"`` must be there as written,
``-word`` or ``-"a phrase"`` must not be, and ``or`` between words offers
alternatives (``ghost or haunted london`` is ghost, or else haunted and london).
Everything else (stray quotes, dashes, brackets, colons, stars) is only a separator,
so no text can be a syntax error: the store renders this structure in its engine's
own syntax (an FTS5 MATCH expression, or text for ``websearch_to_tsquery``).

Words are runs of letters, digits and private-use characters, as SQLite's
``unicode61`` tokenizer cuts them. Common English words (PostgreSQL's English stop
list) are dropped from the words outside quotes, as PostgreSQL drops them, so both
engines look for the same words; inside quotes they are kept, as part of the phrase
(SQLite then wants the phrase exactly as written; PostgreSQL lets any word stand where
a stop word was, so "lord of the rings" also finds "lord of all rings" there).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# Longer than any question a member asks; what is past it is ignored.
MAX_QUERY_CHARS = 300
MAX_TERMS = 16  # words and phrases in one query, to bound the work of one search

# PostgreSQL's English stop words (share/tsearch_data/english.stop), the words its
# english configuration leaves out of documents and queries alike.
_ENGLISH_STOP_LIST = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now"""
STOP_WORDS = frozenset(_ENGLISH_STOP_LIST.split())

QUOTES = '"“”„«»'  # what members' keyboards type for a double quote
_CHUNK = re.compile(r'[^\s"]+')


def fold(word: str) -> str:
    """Lower case without accents, as both engines' tokenizers index words ("İ" is "i",
    a stop word on both)."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Co"


def words_of(text: str) -> list[str]:
    """``text``'s words, as the search engines tokenize it (before stemming)."""
    found, current = [], []
    for ch in text:
        if _is_word_char(ch):
            current.append(ch)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return found


def looks_like_title(text: str) -> bool:
    """Whether a member may have typed a film's name: a few words and no search
    syntax (no "or", no -word). A search by such words that finds nothing is
    worth offering as a review request."""
    clauses = parse_query(text).clauses
    if len(clauses) != 1 or clauses[0].excluded:
        return False
    return len(words_of(text)) <= TITLE_WORDS


class Tier(enum.Enum):
    """Which matching reviews: results list :data:`RANKED_TIERS` in order."""

    ALL = "all"
    # Each required word is in the title, aliases or tagline: what the film is.
    TITLE = "title"
    # Not, but each is elsewhere on the card (verdict, names): what the review says of it.
    CARD = "card"
    TEXT = "text"  # the rest: the review's own text was needed to match


RANKED_TIERS = (Tier.TITLE, Tier.CARD, Tier.TEXT)


# Few titles run longer; a longer query is a question about what reviews say.
TITLE_WORDS = 8


@dataclass(frozen=True, slots=True)
class Term:
    """One word, or a phrase: words that must stand together in this order."""

    words: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    def replaced(self, replace: Callable[[str], str]) -> Term:
        return Term(tuple(replace(word) for word in self.words))


@dataclass(frozen=True, slots=True)
class Clause:
    """Reviews holding every ``required`` term and none of the ``excluded`` ones."""

    required: tuple[Term, ...]
    excluded: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Any one of the ``clauses`` (an empty query matches nothing)."""

    clauses: tuple[Clause, ...]

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    def required_words(self) -> list[str]:
        """Every word a review must (in some clause) hold, once each, in order."""
        seen: dict[str, None] = {}
        for clause in self.clauses:
            for term in clause.required:
                seen.update(dict.fromkeys(term.words))
        return list(seen)

    def required_terms(self) -> list[Term]:
        """Every term a review must (in some clause) hold, once each, in order."""
        return list(dict.fromkeys(term for clause in self.clauses for term in clause.required))

    @property
    def can_relax(self) -> bool:
        return any(len(clause.required) > 1 for clause in self.clauses)

    def relaxed(self) -> SearchQuery:
        """Any one of a clause's required terms instead of all of them, exclusions kept:
        what is searched when no review holds every word of a question a member typed as
        a sentence ("what did we say about andrew scott")."""
        clauses = (
            Clause((term,), clause.excluded) for clause in self.clauses for term in clause.required
        )
        return SearchQuery(tuple(dict.fromkeys(clauses)))

    def replaced(self, replacements: dict[str, str]) -> SearchQuery:
        """The query with words swapped (a typo for its correction), wherever they are."""

        def replace(word: str) -> str:
            return replacements.get(word, word)

        return SearchQuery(
            tuple(
                Clause(
                    tuple(term.replaced(replace) for term in clause.required),
                    tuple(term.replaced(replace) for term in clause.excluded),
                )
                for clause in self.clauses
            )
        )


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    quoted: bool
    negated: bool


def _tokens(text: str) -> Iterator[_Token]:
    """Bare chunks and quoted phrases, each with whether a ``-`` stood before it."""
    for quote in QUOTES[1:]:
        text = text.replace(quote, '"')
    position, length = 0, len(text)
    while position < length:
        ch = text[position]
        if ch.isspace():
            position += 1
            continue
        negated = ch == "-" and position + 1 < length and not text[position + 1].isspace()
        if negated:
            position += 1
        if text[position] == '"':
            end = text.find('"', position + 1)
            end = length if end < 0 else end
            yield _Token(text[position + 1 : end], True, negated)
            position = end + 1
        else:
            match = _CHUNK.match(text, position)
            assert match is not None  # text[position] is neither space nor a quote
            yield _Token(match.group(), False, negated)
            position = match.end()


def _term(token: _Token) -> Term | None:
    """A quoted phrase keeps every word, unless all are stop words (PostgreSQL ignores
    it then); a bare chunk that punctuation cuts into several words ("sci-fi",
    "scott's") is a phrase of its words that are not stop words."""
    words = words_of(token.text)
    content = [word for word in words if fold(word) not in STOP_WORDS]
    if not token.quoted or not content:
        words = content
    return Term(tuple(words)) if words else None


def parse_query(text: str) -> SearchQuery:
    """Read ``text`` as web-search syntax; never fails (nonsense is an empty query)."""
    text = unicodedata.normalize("NFC", text[:MAX_QUERY_CHARS])
    clauses: list[Clause] = []
    required: list[Term] = []
    excluded: list[Term] = []
    terms = 0

    def close_clause() -> None:
        # A clause of exclusions alone would match nearly everything: it is dropped.
        if required:
            clauses.append(Clause(tuple(required), tuple(excluded)))
        required.clear()
        excluded.clear()

    for token in _tokens(text):
        if not token.quoted and not token.negated and token.text.casefold() == "or":
            close_clause()
            continue
        term = _term(token)
        if term is None or terms >= MAX_TERMS:
            continue
        terms += 1
        (excluded if token.negated else required).append(term)
    close_clause()
    return SearchQuery(tuple(clauses))
