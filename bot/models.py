"""The catalog's records: a review, its filters, its audit entries and reports.

Records hold what was read or stored; :mod:`bot.validation` decides what may be.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class ReviewDraft:
    """A critic's review of one film as written, before the store has it: what a form,
    an importer or the starter catalog produce. It has no id; storing it makes a
    :class:`Review`.

    ``scope`` is where it belongs: ``None`` for the global (shipped, owner-managed)
    catalog and a guild id for reviews a guild's moderators added.
    """

    title: str
    year: int
    tagline: str = ""
    directors: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()
    runtime: int | None = None
    score: float | None = None
    verdict: str = ""
    verdict_text: str = ""
    body: str = ""
    reviewer: str = ""
    review_url: str = ""
    poster_url: str = ""
    genres: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    scope: int | None = None
    sample: bool = False  # from the shipped starter catalog, not the community's own

    @property
    def display_title(self) -> str:
        return f"{self.title} ({self.year})"

    def content(self) -> dict[str, Any]:
        """The fields a person writes, as plain JSON-able values (no bookkeeping)."""
        return {name: _jsonable(getattr(self, name)) for name in CONTENT_FIELDS}

    @property
    def identity(self) -> str:
        return identity_key(self.title, self.year, self.review_url)

    @property
    def film(self) -> str:
        return film_key(self.title, self.year)


@dataclass(frozen=True, slots=True, kw_only=True)
class Review(ReviewDraft):
    """A review as stored in one scope: the draft, the id the store gave it, and who
    wrote it when. Only the store makes these."""

    id: int
    created_by: int | None = None
    created_at: str = ""
    updated_by: int | None = None
    updated_at: str = ""
    deleted_at: str | None = None
    # Bumped by every write: an edit names the version it started from, so the store
    # can refuse it over a newer one instead of silently overwriting another's change.
    version: int = 1


def film_key(title: str, year: int) -> str:
    """Which film a review is of: the title as written (case and surrounding space
    folded) and its year. A server's own review of a film shadows the global one
    with the same key. The matcher's normalised title is for *finding* only: it
    makes "Puzzle, El" and "Puzzle, The" one key, and they are two films.
    """
    return f"{title.strip().casefold()}\x1f{year}"


def identity_key(title: str, year: int, review_url: str) -> str:
    """What makes two rows of one scope the same review (the store's upsert key).

    A review's own link names it exactly; without one, the film it is of does.
    """
    return f"url:{review_url}" if review_url else f"film:{film_key(title, year)}"


CONTENT_FIELDS: tuple[str, ...] = (
    "title",
    "year",
    "tagline",
    "directors",
    "cast",
    "runtime",
    "score",
    "verdict",
    "verdict_text",
    "body",
    "reviewer",
    "review_url",
    "poster_url",
    "genres",
    "aliases",
)
LIST_FIELDS = frozenset({"directors", "cast", "genres", "aliases"})
BOOKKEEPING_FIELDS = tuple(f.name for f in fields(Review) if f.name not in CONTENT_FIELDS)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True, slots=True)
class ReviewFilters:
    """What a member may narrow a listing or a random pick by."""

    min_score: float | None = None
    verdict: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    director: str | None = None
    cast_member: str | None = None
    genre: str | None = None
    max_runtime: int | None = None

    def active(self) -> dict[str, Any]:
        """The filters that are set, by name, in declaration order."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


@dataclass(frozen=True, slots=True)
class TitleEntry:
    """What the title index needs to know about one review (``scope``: where it is stored)."""

    review_id: int
    title: str
    year: int | None = None
    aliases: tuple[str, ...] = ()
    scope: int | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    review_id: int
    scope: int | None
    actor_id: int | None
    action: str
    at: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def changed_fields(self) -> list[str]:
        return [change.field for change in self.changes()]

    def changes(self) -> list[FieldChange]:
        """Each content field this entry changed, with its value before and after."""
        return field_changes(self.before or {}, self.after or {})

    def filled_fields(self) -> int:
        """How many content fields hold a value afterwards (what an import brought)."""
        after = self.after or {}
        return sum(1 for name in CONTENT_FIELDS if after.get(name) not in (None, "", []))


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of a review as an audit entry found it, and as it left it."""

    field: str
    old: Any
    new: Any


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Each content field whose value differs between two :meth:`ReviewDraft.content`
    snapshots (an audit entry's, or a review as an edit began and as it is now)."""
    return [
        FieldChange(name, before.get(name), after.get(name))
        for name in CONTENT_FIELDS
        if before.get(name) != after.get(name)
    ]


@dataclass(frozen=True, slots=True)
class Announcements:
    """Where a guild wants new reviews posted, and why the last post failed (if it did)."""

    guild_id: int
    channel_id: int
    problem: str | None = None
    problem_told: bool = False

    @property
    def paused(self) -> bool:
        return self.problem is not None


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Every setting one server chose: ``None`` where it chose nothing."""

    guild_id: int
    mod_role_id: int | None
    announcements: Announcements | None
    open_requests: int = 0  # review requests waiting; their limits are fixed, not set


@dataclass(frozen=True, slots=True)
class CatalogStats:
    total: int
    score_buckets: dict[int, int] = field(default_factory=dict)  # floor(score) -> count
    verdicts: dict[str, int] = field(default_factory=dict)
    top_directors: list[tuple[str, int]] = field(default_factory=list)
    average_score: float | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    # Which reviews are new (not updates), so only those are announced; bookkeeping
    # the counts already describe, hence left out of comparisons.
    added_ids: frozenset[int] = field(default=frozenset(), compare=False)
    # What went wrong after the import was complete and kept (a full disk refusing the
    # last checkpoint, say): the operator's to know, never a reason to take it back.
    warning: str | None = field(default=None, compare=False)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        prefix = "Dry run: would import" if self.dry_run else "Imported"
        return (
            f"{prefix} {self.total} review(s): {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged."
        )


# -- review requests ---------------------------------------------------------------

RequestState = Literal["open", "answered", "cancelled"]
EntryState = Literal["open", "claimed", "dismissed", "answered"]
# How a request was told of its answer: not yet, told, or the member can't be reached.
Delivery = Literal["pending", "delivered", "undeliverable"]


@dataclass(frozen=True, slots=True)
class Moderator:
    """Who acted on the request queue: their id, and the name other moderators read."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class MemberRequest:
    """One of a member's requests as /requests lists it: open, or answered by
    ``review_id`` but not told: ``delivery`` says whether telling them is still under
    way ("pending") or failed ("undeliverable": their DMs are closed)."""

    id: int
    query: str
    asked_at: str
    state: RequestState
    review_id: int | None = None
    delivery: Delivery | None = None


@dataclass(frozen=True, slots=True)
class RequestEntry:
    """One wanted film in a server: every spelling asked for it (its title first), and
    the members whose requests are still open."""

    id: int
    title: str
    state: EntryState
    spellings: tuple[str, ...]
    requesters: int = 0
    first_asked: str | None = None
    last_asked: str | None = None
    claimed_by: str | None = None  # the claiming moderator's name


@dataclass(frozen=True, slots=True)
class MissCount:
    """A title looked up in vain in one server: its latest spelling, how often, last when."""

    query: str
    count: int
    last_at: str


@dataclass(frozen=True, slots=True)
class Requester:
    """An answered request, and the member to tell."""

    request_id: int
    member_id: int


@dataclass(frozen=True, slots=True)
class AnsweredEntry:
    """What answering one entry closed: the entry, the review that answers it, and the
    requests it answered (each once: a second answer finds none open)."""

    entry_id: int
    review_id: int
    requesters: tuple[Requester, ...]
