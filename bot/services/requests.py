"""Review requests: a member asks to be told when a film is reviewed, moderators see
what is wanted, and a published review answers the requests it satisfies.

Which typed titles are one film, and which are noise, is :mod:`bot.matching.demand`'s
to say; this service applies it to a server's requests (grouped into entries, one
per wanted film) and its misses (titles looked up in vain), and keeps the store's
limits: :data:`~bot.store.requests.MAX_OPEN_PER_MEMBER` open requests per member,
:data:`~bot.store.requests.MAX_PER_SERVER` per server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.finder import TitleFinder
from bot.matching import Match
from bot.matching.demand import (
    Clusters,
    is_noise,
    names_nothing,
    spelling,
    titled,
)
from bot.models import MemberRequest, Moderator, RequestEntry, Requester, Review
from bot.store import Store
from bot.store.requests import (
    MAX_OPEN_PER_MEMBER,
    MAX_PER_SERVER,
    MAX_QUERY_TEXT,
    Placement,
    RequestStore,
)

# The most rows /wanted ranks and shows (its pages hold a few each).
MAX_QUEUE = 100
MAX_REASON = 200
# Entries resolved between turns of the event loop when answering what the catalog
# already holds (see :meth:`RequestBook.answer_resolved`): one costs about 0.75 ms
# against a 58,788-film index (bench/bench_requests.py), so a turn stays near 20 ms.
RESOLVE_SLICE = 25
__all__ = [
    "MAX_OPEN_PER_MEMBER",
    "MAX_PER_SERVER",
    "Answer",
    "RequestBook",
    "RequestOutcome",
    "WantedFilm",
]

Outcome = Literal[
    "recorded", "already requested", "member limit", "server full", "reviewed", "not a title"
]


@dataclass(frozen=True, slots=True)
class RequestOutcome:
    """What pressing "Tell me when it's reviewed" did: ``title`` is the title the member
    meant, as they typed it; ``review`` the card when the catalog already has it."""

    outcome: Outcome
    title: str
    review: Review | None = None


@dataclass(frozen=True, slots=True)
class WantedFilm:
    """One row of /wanted: a film members asked for or looked up in vain.

    ``entry_id`` is ``None`` while the film was only missed (nobody requested it); a
    moderator's claim or dismissal then makes its entry.
    """

    entry_id: int | None
    title: str
    requesters: int
    misses: int
    spellings: tuple[str, ...]
    first_asked: str
    last_asked: str
    claimed_by: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """An entry a published review answered, and the requesters to tell (once)."""

    entry_id: int
    review: Review
    requesters: tuple[Requester, ...]

    @property
    def member_ids(self) -> list[int]:
        return [requester.member_id for requester in self.requesters]

    @property
    def request_ids(self) -> list[int]:
        return [requester.request_id for requester in self.requesters]


@dataclass(slots=True)
class _Row:
    """A cluster of spellings while the queue is ranked."""

    entry: RequestEntry | None
    title: str
    misses: int = 0
    spellings: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # spellings known only from misses
    asked: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, entry: RequestEntry) -> _Row:
        return cls(entry, entry.title, spellings=list(entry.spellings))


class RequestBook:
    """Members' requests and the moderators' queue, for every server, each apart."""

    def __init__(self, store: Store, finder: TitleFinder) -> None:
        self._requests: RequestStore = store.requests
        self._finder = finder

    async def request(self, guild_id: int, member_id: int, query: str) -> RequestOutcome:
        """Record that ``member_id`` wants ``query`` reviewed in ``guild_id``: once per
        film (however they spell it), within the limits."""
        title = " ".join(query.split())[:MAX_QUERY_TEXT]
        if names_nothing(title):
            return RequestOutcome("not a title", title)
        found = await self._finder.lookup(title, guild_id)
        if found.best is not None and found.exact:
            return RequestOutcome("reviewed", title, found.best)
        added = await self._requests.add(guild_id, member_id, title, _placement([title]))
        return RequestOutcome(added.outcome, title)

    async def open_for(self, guild_id: int, member_id: int) -> list[MemberRequest]:
        """The member's open requests, and those answered but not yet told."""
        return await self._requests.member_requests(guild_id, member_id)

    async def cancel(self, guild_id: int, member_id: int, request_id: int) -> bool:
        """Cancel one of the member's open requests; ``False`` if it is not open."""
        return await self._requests.cancel(guild_id, member_id, request_id)

    async def queue(self, guild_id: int, *, limit: int = MAX_QUEUE) -> list[WantedFilm]:
        """/wanted: one row per wanted film, most requesters first, then most misses,
        then the most recently asked.

        Misses fold into the entries they spell (and drop out with an answered or
        dismissed one); noise is left out, and so is any film that now resolves to a
        card here (a request's spelling exactly, a miss's at all), checked now so a
        title restored or imported leaves the queue without a clean-up job.
        """
        clusters = Clusters()
        rows: list[_Row] = []
        for entry in await self._requests.entries(guild_id, answered=True):
            rows.append(_Row.of(entry))
            for text in entry.spellings:
                clusters.add(spelling(text), len(rows) - 1)
            if entry.last_asked is not None and entry.first_asked is not None:
                rows[-1].asked.extend([entry.first_asked, entry.last_asked])
        for miss in await self._requests.misses(guild_id):
            if is_noise(miss.query):
                continue
            missed = spelling(miss.query)
            cluster = clusters.nearest(missed)
            if cluster is None:
                rows.append(_Row(None, miss.query))
                cluster = len(rows) - 1
            clusters.add(missed, cluster)
            row = rows[cluster]
            row.misses += miss.count
            row.asked.append(miss.last_at)
            if miss.query not in row.spellings:
                row.spellings.append(miss.query)
                row.missed.append(miss.query)
        queued = [row for row in rows if row.asked and _queued(row.entry)]
        queued.sort(key=lambda row: max(row.asked), reverse=True)
        queued.sort(key=lambda row: (-_requesters(row), -row.misses))  # stable: newest first
        shown: list[WantedFilm] = []
        for row in queued:
            if len(shown) == limit:
                break
            if self._card_for(row, guild_id) is None:
                shown.append(_wanted(row))
        return shown

    def _card_for(self, row: _Row, guild_id: int) -> Match | None:
        """The card a spelling of ``row`` now shows, if any: a request's as typed (a
        closest match may be another film), a miss's at all."""
        checked: set[tuple[str, bool]] = set()
        for typed in row.spellings:
            read = (spelling(typed).whole, typed in row.missed)
            if read in checked:
                continue
            checked.add(read)
            hit = self._finder.card_for(typed, guild_id)
            if hit is not None and (hit.exact or read[1]):
                return hit
        return None

    async def claim(self, guild_id: int, film: WantedFilm, moderator: Moderator) -> int:
        """``moderator`` is reviewing ``film``: other moderators see it in /wanted.
        Audited; returns the entry's id (made now for a film only missed so far)."""
        return await self._requests.claim(guild_id, _entry_of(film), film.title, moderator)

    async def dismiss(
        self, guild_id: int, film: WantedFilm, moderator: Moderator, reason: str
    ) -> int:
        """Take ``film`` off /wanted for ``reason`` (its requesters are not told; a
        review published later still answers them). Audited; returns the entry's id."""
        reason = " ".join(reason.split())[:MAX_REASON]
        return await self._requests.dismiss(
            guild_id, _entry_of(film), film.title, moderator, reason
        )

    async def answer(self, guild_id: int, reviews: Iterable[Review]) -> list[Answer]:
        """Answer the open entries that ``reviews``, just published in ``guild_id``'s
        view, satisfy: each entry by the one review nearest its spellings (the first
        given of equally near ones), all its open requests with it, atomically. A
        second call, here or in another process, answers nobody."""
        visible = [review for review in reviews if review.scope in (None, guild_id)]
        if not visible:
            return []
        films = Clusters()
        for position, review in enumerate(visible):
            for name in (review.title, *review.aliases):
                films.add(titled(name, review.year), position)
        chosen: list[tuple[int, int]] = []
        by_id = {review.id: review for review in visible}
        for entry in await self._requests.entries(guild_id):
            found = [films.closest(spelling(text)) for text in entry.spellings]
            best = min((hit for hit in found if hit is not None), default=None)
            if best is not None:
                chosen.append((entry.id, visible[best[1]].id))
        answered = await self._requests.answer(guild_id, chosen)
        return [Answer(done.entry_id, by_id[done.review_id], done.requesters) for done in answered]

    async def answer_resolved(self, guild_id: int) -> list[Answer]:
        """Answer the entries not yet answered whose film now shows a card in
        ``guild_id``, decided as /wanted decides to leave a film out: the reviews
        published while no process heard of them (a CLI import with the bot stopped,
        a change the failed follower missed). Atomic and once, like :meth:`answer`."""
        found: dict[int, int] = {}  # entry id → review id
        for position, entry in enumerate(await self._requests.entries(guild_id)):
            hit = self._card_for(_Row.of(entry), guild_id)
            if hit is not None:
                found[entry.id] = hit.review_id
            if position % RESOLVE_SLICE == RESOLVE_SLICE - 1:
                await asyncio.sleep(0)  # a server at its limits must not stall the bot
        if not found:
            return []
        read = await self._finder.read_many(sorted(set(found.values())))
        reviews = {review.id: review for review in read}
        chosen = [(entry, review) for entry, review in found.items() if review in reviews]
        answered = await self._requests.answer(guild_id, chosen)
        return [
            Answer(done.entry_id, reviews[done.review_id], done.requesters) for done in answered
        ]

    async def waiting_servers(self) -> list[int]:
        """The servers with requests still waiting for a review: the only ones a newly
        published global review can answer (call :meth:`answer` for each it serves)."""
        return await self._requests.waiting_servers()

    async def mark_delivery(self, request_ids: Sequence[int], *, delivered: bool) -> None:
        """Record whether the members of answered ``request_ids`` were told; one who
        could not be is not retried, and /requests shows them the answer."""
        await self._requests.mark_delivery(
            request_ids, "delivered" if delivered else "undeliverable"
        )


def _placement(typed: Sequence[str]) -> Placement:
    """Picks the entry for the film ``typed`` spells (any of its spellings), if any."""

    def place(entries: Sequence[RequestEntry]) -> int | None:
        clusters = Clusters()
        for entry in entries:
            for text in entry.spellings:
                clusters.add(spelling(text), entry.id)
        found = (clusters.nearest(spelling(text)) for text in typed)
        return next((entry_id for entry_id in found if entry_id is not None), None)

    return place


def _entry_of(film: WantedFilm) -> int | Placement:
    """The entry a moderator acts on: the row's, or, for a film only missed so far,
    whichever entry was made for it meanwhile."""
    return film.entry_id if film.entry_id is not None else _placement(film.spellings)


def _requesters(row: _Row) -> int:
    return 0 if row.entry is None else row.entry.requesters


def _queued(entry: RequestEntry | None) -> bool:
    """Whether a row is still wanted: only missed, or an entry open or claimed."""
    return entry is None or entry.state in ("open", "claimed")


def _wanted(row: _Row) -> WantedFilm:
    asked = sorted(row.asked)
    return WantedFilm(
        entry_id=None if row.entry is None else row.entry.id,
        title=row.title,
        requesters=_requesters(row),
        misses=row.misses,
        spellings=tuple(row.spellings),
        first_asked=asked[0],
        last_asked=asked[-1],
        claimed_by=None if row.entry is None else row.entry.claimed_by,
    )
