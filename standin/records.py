"""What the stand-in records: messages, modals, interactions and REST requests.

These are the objects tests assert on. They are live: when the bot later edits a
message or sends a follow-up, the same objects change, and the ``wait_for_*`` helpers
block (event-driven) until that has happened.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from standin._feed import ChangeFeed, LoopbackUsageError
from standin.world import JSON, FakeUser

EPHEMERAL_FLAG = 1 << 6
LOADING_FLAG = 1 << 7

CALLBACK_NAMES = {
    1: "PONG",
    4: "CHANNEL_MESSAGE_WITH_SOURCE",
    5: "DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE",
    6: "DEFERRED_UPDATE_MESSAGE",
    7: "UPDATE_MESSAGE",
    8: "APPLICATION_COMMAND_AUTOCOMPLETE_RESULT",
    9: "MODAL",
}

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE_MENTION = re.compile(r"@(everyone|here)\b")


@dataclass(frozen=True)
class LoopbackFile:
    """A file a simulated user uploads (an attachment option or a message attachment)."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class StoredFile:
    """A file the stand-in holds and serves at ``url``."""

    id: int
    filename: str
    data: bytes
    content_type: str
    url: str
    description: str | None = None

    def payload(self) -> JSON:
        """The attachment object as Discord sends it."""
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
            "description": self.description,
        }


@dataclass(frozen=True)
class Pings:
    """Who a message would actually notify, after ``allowed_mentions`` is applied."""

    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    everyone: bool = False

    @property
    def anyone(self) -> bool:
        """True when the message notifies at least one user, role or everyone."""
        return bool(self.users or self.roles or self.everyone)


def iter_components(components: list[JSON]) -> Iterator[JSON]:
    """Every component in a tree: action rows, containers, sections and their children."""
    for component in components:
        yield component
        yield from iter_components(component.get("components", []))
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                yield from iter_components([child])


@dataclass(eq=False)
class SentMessage:
    """A message in the fake world: sent by the bot, or by a simulated user.

    ``payload`` is the body of the request that created it and ``edits`` the bodies of
    every later edit, so tests can assert on exactly what the bot sent.
    """

    id: int
    channel_id: int
    guild_id: int | None
    author: FakeUser
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: JSON | None = None
    message_reference: JSON | None = None
    tts: bool = False
    files: list[StoredFile] = field(default_factory=list)
    interaction_token: str | None = None
    interaction_id: int | None = None
    interaction_user: FakeUser | None = None
    webhook_id: int | None = None
    reply_to_author_id: int | None = None
    payload: JSON = field(default_factory=dict)
    edits: list[JSON] = field(default_factory=list)
    deleted: bool = False
    reactions: dict[str, set[int]] = field(default_factory=dict)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    edited_at: datetime | None = None

    # ----- convenience for assertions -------------------------------------------------
    @property
    def attachments(self) -> dict[str, bytes]:
        """Attached files by filename."""
        return {f.filename: f.data for f in self.files}

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user can see the message."""
        return bool(self.flags & EPHEMERAL_FLAG)

    @property
    def loading(self) -> bool:
        """True while the message is a deferred "thinking..." placeholder."""
        return bool(self.flags & LOADING_FLAG)

    @property
    def from_bot(self) -> bool:
        """Whether the bot (not a simulated user) sent the message."""
        return self.author.bot

    def embed(self, index: int = 0) -> JSON:
        """The embed at ``index``; a clear error when there are fewer embeds."""
        if index >= len(self.embeds):
            raise AssertionError(f"message {self.id} has {len(self.embeds)} embed(s): {self!r}")
        return self.embeds[index]

    def all_components(self) -> list[JSON]:
        """Every component, flattened out of rows and containers."""
        return list(iter_components(self.components))

    def buttons(self) -> list[JSON]:
        """Every button (type 2) on the message, in display order."""
        return [c for c in self.all_components() if c.get("type") == 2]

    def button(self, label: str) -> JSON:
        """The button whose label is ``label``; use ``["custom_id"]`` to click it."""
        matches = [b for b in self.buttons() if b.get("label") == label]
        if not matches:
            labels = [b.get("label") for b in self.buttons()]
            raise AssertionError(f"no button labelled {label!r} on message {self.id}: {labels}")
        return matches[0]

    def select_menus(self) -> list[JSON]:
        """Every select menu (string, user, role, mentionable, channel) on the message."""
        return [c for c in self.all_components() if c.get("type") in (3, 5, 6, 7, 8)]

    def component(self, custom_id: str) -> JSON:
        """The component with this ``custom_id``."""
        for component in self.all_components():
            if component.get("custom_id") == custom_id:
                return component
        ids = [c.get("custom_id") for c in self.all_components() if c.get("custom_id")]
        raise LoopbackUsageError(f"message {self.id} has no component {custom_id!r}; has {ids}")

    def pings(self) -> Pings:
        """Who Discord would notify for this message, honouring ``allowed_mentions``."""
        rules = self.allowed_mentions
        parse = {"users", "roles", "everyone"} if rules is None else set(rules.get("parse", []))
        listed_users = set() if rules is None else {int(u) for u in rules.get("users", [])}
        listed_roles = set() if rules is None else {int(r) for r in rules.get("roles", [])}
        users = {int(u) for u in _USER_MENTION.findall(self.content)}
        roles = {int(r) for r in _ROLE_MENTION.findall(self.content)}
        pinged_users = users if "users" in parse else users & listed_users
        if self.reply_to_author_id is not None and (rules is None or rules.get("replied_user")):
            pinged_users |= {self.reply_to_author_id}
        return Pings(
            users=frozenset(pinged_users),
            roles=frozenset(roles if "roles" in parse else roles & listed_roles),
            everyone="everyone" in parse and bool(_EVERYONE_MENTION.search(self.content)),
        )

    # ----- how the stand-in changes and serves it ----------------------------------------
    def apply_edit(self, body: JSON, new_files: list[StoredFile]) -> None:
        """Apply a PATCH body (or an UPDATE_MESSAGE callback) to the stored message."""
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body:
                setattr(self, key, _empty_if_none(key, body[key]))
        if "flags" in body and body["flags"] is not None:
            # The loading and ephemeral bits belong to the message, not to an edit.
            kept = self.flags & (EPHEMERAL_FLAG | LOADING_FLAG)
            self.flags = (int(body["flags"]) & ~(EPHEMERAL_FLAG | LOADING_FLAG)) | kept
        if "attachments" in body:
            # Kept files are listed by their real id; new uploads by multipart index.
            keep = {int(a["id"]) for a in body["attachments"] or []}
            self.files = [f for f in self.files if f.id in keep] + new_files
        elif new_files:
            self.files = self.files + new_files
        self.flags &= ~LOADING_FLAG
        self.edits.append(body)
        self.edited_at = datetime.now(UTC)

    def to_payload(self) -> JSON:
        """The message object as Discord returns it from REST or the gateway."""
        pings = self.pings()
        data: JSON = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.created_at.isoformat(),
            "edited_timestamp": self.edited_at.isoformat() if self.edited_at else None,
            "tts": self.tts,
            "mention_everyone": pings.everyone,
            "mentions": [
                {
                    "id": str(u),
                    "username": str(u),
                    "discriminator": "0",
                    "avatar": None,
                    "global_name": None,
                }
                for u in sorted(pings.users)
            ],
            "mention_roles": [str(r) for r in sorted(pings.roles)],
            "attachments": [f.payload() for f in self.files],
            "embeds": self.embeds,
            "components": self.components,
            "reactions": self._reactions_payload(),
            "pinned": False,
            "type": self._message_type(),
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.interaction_id is not None and self.interaction_user is not None:
            data["interaction_metadata"] = {
                "id": str(self.interaction_id),
                "type": 2,
                "user": self.interaction_user.payload(),
                "authorizing_integration_owners": {},
            }
        return data

    def _message_type(self) -> int:
        if self.interaction_id is not None:
            return 20
        return 19 if self.message_reference is not None else 0

    def _reactions_payload(self) -> list[JSON]:
        return [
            {
                "emoji": {"id": None, "name": emoji},
                "count": len(users),
                "me": False,
                "count_details": {"burst": 0, "normal": len(users)},
                "burst_colors": [],
                "me_burst": False,
            }
            for emoji, users in self.reactions.items()
            if users
        ]

    def __repr__(self) -> str:
        parts = [f"id={self.id}", f"channel={self.channel_id}", f"content={self.content!r}"]
        if self.embeds:
            parts.append(f"embeds={[e.get('title') for e in self.embeds]}")
        if self.components:
            parts.append(f"custom_ids={[c.get('custom_id') for c in self.all_components()]}")
        if self.ephemeral:
            parts.append("ephemeral")
        return f"<SentMessage {' '.join(parts)}>"


def _empty_if_none(key: str, value: Any) -> Any:
    if value is None:
        return "" if key == "content" else [] if key in ("embeds", "components") else None
    return value


@dataclass(eq=False)
class ModalSent:
    """A modal the bot opened (callback type 9)."""

    custom_id: str
    title: str
    components: list[JSON]
    opened_by: InteractionResult

    def inputs(self) -> list[JSON]:
        """Every field a user fills in (text inputs and selects), labels filled in.

        Newer modals wrap each field in a label component (type 18); older ones put
        it in an action row. Both shapes are accepted by discord.py 2.7.
        """
        found: list[JSON] = []
        for top in self.components:
            child = top.get("component")
            if top.get("type") == 18 and isinstance(child, dict):
                found.append({**child, "label": child.get("label") or top.get("label")})
            else:
                found.extend(c for c in iter_components([top]) if c.get("type") in _INPUT_TYPES)
        return found

    def text_inputs(self) -> list[JSON]:
        """Only the text inputs (type 4)."""
        return [c for c in self.inputs() if c.get("type") == 4]


_INPUT_TYPES = (3, 4, 5, 6, 7, 8)


@dataclass
class RestRequest:
    """One REST request the bot made, with what the stand-in answered."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: dict[str, bytes]
    status: int = 0
    route: str | None = None
    injected: bool = False
    at: float = field(default_factory=time.monotonic)

    def __str__(self) -> str:
        injected = " (injected)" if self.injected else ""
        return f"{self.method} {self.path} -> {self.status}{injected}"


@dataclass(eq=False)
class InteractionResult:
    """Everything the bot did in answer to one interaction the stand-in dispatched.

    ``message`` is the interaction's @original message: the reply (callback 4), the
    deferred placeholder that the bot later fills in (5), or the component's message
    (6/7). Follow-ups and edits are appended as the bot sends them.
    """

    interaction_id: int
    token: str
    type: int
    payload: JSON
    user: FakeUser
    feed: ChangeFeed = field(repr=False)
    timeout: float = 5.0
    dispatched_at: float = field(default_factory=time.monotonic)
    callbacks: list[JSON] = field(default_factory=list)
    answered_at: float | None = None
    original: SentMessage | None = None
    followups: list[SentMessage] = field(default_factory=list)
    edits_at_answer: int = 0
    modal_sent: ModalSent | None = None
    autocomplete_choices: list[JSON] | None = None
    rejected_callbacks: list[JSON] = field(default_factory=list)
    # Edits made through this interaction's own webhook (``edit_original_response``):
    # several interactions may edit one message, each finishes with its own edit.
    webhook_edits: int = 0

    @property
    def answered(self) -> bool:
        """Whether the bot has acknowledged the interaction."""
        return bool(self.callbacks)

    @property
    def callback_types(self) -> list[int]:
        """The callback type of every accepted callback (normally exactly one)."""
        return [int(c["type"]) for c in self.callbacks]

    @property
    def callback_type(self) -> int:
        """The type of the first callback; fails the test when there was none."""
        if not self.callbacks:
            raise AssertionError(f"interaction {self.interaction_id} was never answered")
        return self.callback_types[0]

    @property
    def deferred(self) -> bool:
        """Whether the bot deferred (callback 5 or 6) instead of answering at once."""
        return self.callback_type in (5, 6)

    @property
    def latency(self) -> float | None:
        """Seconds from dispatch to callback; Discord gives up after 3."""
        return None if self.answered_at is None else self.answered_at - self.dispatched_at

    @property
    def message(self) -> SentMessage:
        """The @original message; fails the test when the answer had no message."""
        if self.original is None:
            kind = CALLBACK_NAMES.get(self.callback_type, str(self.callback_type))
            raise AssertionError(f"interaction was answered with {kind}, which has no message")
        return self.original

    @property
    def ephemeral(self) -> bool:
        """Whether the @original message is ephemeral."""
        return self.message.ephemeral

    @property
    def modal(self) -> ModalSent:
        """The modal the bot opened; fails the test when it answered otherwise."""
        if self.modal_sent is None:
            raise AssertionError(f"expected a modal, got callbacks {self.callback_types}")
        return self.modal_sent

    @property
    def choices(self) -> list[JSON]:
        """Autocomplete choices; fails the test when the bot did not send any."""
        if self.autocomplete_choices is None:
            raise AssertionError(f"expected autocomplete choices, got {self.callback_types}")
        return self.autocomplete_choices

    @property
    def edits(self) -> list[JSON]:
        """Edits to the @original message made after the bot answered."""
        if self.original is None:
            return []
        return self.original.edits[self.edits_at_answer :]

    @property
    def complete(self) -> bool:
        """Whether the user sees a finished answer (not a "thinking..." placeholder)."""
        if not self.answered:
            return False
        if self.callback_type == 6:  # a deferred update is finished by its own edit
            return bool(self.webhook_edits or self.followups)
        if self.callback_type != 5:
            return True
        return bool(self.edits or self.followups or (self.original and self.original.deleted))

    async def wait_until_complete(self, within: float | None = None) -> InteractionResult:
        """Wait until a deferred answer has been filled in by an edit or follow-up."""
        await self.feed.wait_until(
            lambda: self.complete,
            within=within or self.timeout,
            describe=lambda: f"deferred interaction {self.interaction_id} never completed",
        )
        return self

    async def wait_for_followup(self, count: int = 1, within: float | None = None) -> SentMessage:
        """Wait until the bot has sent ``count`` follow-ups; return the ``count``-th."""
        await self.feed.wait_until(
            lambda: len(self.followups) >= count,
            within=within or self.timeout,
            describe=lambda: f"expected {count} follow-up(s), got {len(self.followups)}",
        )
        return self.followups[count - 1]

    async def wait_for_edit(self, count: int = 1, within: float | None = None) -> SentMessage:
        """Wait until @original has been edited ``count`` times after the answer."""
        await self.feed.wait_until(
            lambda: len(self.edits) >= count,
            within=within or self.timeout,
            describe=lambda: f"expected {count} edit(s) of @original, got {len(self.edits)}",
        )
        return self.message

    def __repr__(self) -> str:
        return (
            f"<InteractionResult id={self.interaction_id} type={self.type} "
            f"callbacks={self.callback_types} original={self.original!r} "
            f"followups={len(self.followups)}>"
        )


def message_reference_author(reference: JSON | None, known: dict[int, SentMessage]) -> int | None:
    """The author a reply points at, used to decide whether the reply pings them."""
    if not reference or reference.get("message_id") is None:
        return None
    target = known.get(int(reference["message_id"]))
    return None if target is None else target.author.id


__all__ = [
    "CALLBACK_NAMES",
    "EPHEMERAL_FLAG",
    "LOADING_FLAG",
    "InteractionResult",
    "LoopbackFile",
    "ModalSent",
    "Pings",
    "RestRequest",
    "SentMessage",
    "StoredFile",
    "iter_components",
    "message_reference_author",
]
