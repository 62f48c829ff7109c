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

The package splits by concern: ``normalize`` (keys and years), ``scoring``
(bands, ambiguity) and ``index`` (candidates, edits, scopes).
"""

from bot.matching.index import TitleIndex
from bot.matching.normalize import LATEST_YEAR, normalize_title, split_year
from bot.matching.scoped import ScopedTitleIndex
from bot.matching.scoring import Match
from bot.models import TitleEntry
from bot.validation import MAX_YEAR, MIN_YEAR

__all__ = [
    "LATEST_YEAR",
    "MAX_YEAR",
    "MIN_YEAR",
    "Match",
    "ScopedTitleIndex",
    "TitleEntry",
    "TitleIndex",
    "normalize_title",
    "split_year",
]
