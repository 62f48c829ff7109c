"""The gateway half of the stand-in: websocket sessions that discord.py drives, one per shard.

Frames are plain JSON text (discord.py only inflates binary frames, so no zlib is
needed). Each session keeps a backlog of dispatches so a RESUME replays what the
bot missed while disconnected, as Discord does. With several shards (IDENTIFY
carries ``"shard": [id, count]``), each shard gets READY and the GUILD_CREATEs of
its own guilds, and every guild event goes to the shard Discord would route it
to, ``(guild_id >> 22) % count``; several bot processes may hold different
shards of one stand-in at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from standin.records import SentMessage
from standin.state import LoopbackState
from standin.world import JSON, FakeGuild

log = logging.getLogger(__name__)

# Gateway intents (bit flags the bot sends in IDENTIFY).
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, RESUME, RECONNECT = 0, 1, 2, 3, 6, 7
REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11

BACKLOG_SIZE = 2000


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes a guild's events to."""
    return (guild_id >> 22) % shard_count


@dataclass
class ShardSession:
    """One shard's session: its socket, sequence and replay backlog."""

    shard_id: int
    ws: web.WebSocketResponse | None = None
    session_id: str | None = None
    seq: int = 0
    last_heartbeat_seq: int = -1

    def __post_init__(self) -> None:
        self.backlog: deque[tuple[int, str]] = deque(maxlen=BACKLOG_SIZE)
        self.send_lock = asyncio.Lock()


@dataclass
class GatewayConnection:
    """One websocket the bot opened, and how it started its session on it."""

    path: str
    query: dict[str, str]
    started_with: str = "none"  # "identify", "resume" or "none"
    close_code: int | None = None


class Gateway:
    """Serves ``/gateway`` websockets and dispatches events to the connected bot."""

    def __init__(
        self, state: LoopbackState, *, heartbeat_interval_ms: int, shard_count: int = 1
    ) -> None:
        self.state = state
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.shard_count = shard_count  # what GET /gateway/bot recommends
        self.sessions: dict[int, ShardSession] = {}
        self.intents: int | None = None
        self.presence: JSON | None = None
        self.identify_count = 0
        self.resume_count = 0
        self.ready_count = 0
        self.connections: list[GatewayConnection] = []
        self.resume_url = ""
        self._sockets: set[web.WebSocketResponse] = set()

    def session(self, shard_id: int = 0) -> ShardSession:
        return self.sessions.setdefault(shard_id, ShardSession(shard_id))

    @property
    def ws(self) -> web.WebSocketResponse | None:
        """Shard 0's socket (the only one of an unsharded bot)."""
        return self.session(0).ws

    def _session_of(self, ws: web.WebSocketResponse) -> ShardSession | None:
        return next((s for s in self.sessions.values() if s.ws is ws), None)

    # ----- connection handling --------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Run one websocket connection from HELLO until either side closes it."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        connection = GatewayConnection(request.path, dict(request.query))
        self.connections.append(connection)
        await ws.send_str(_frame(HELLO, {"heartbeat_interval": self.heartbeat_interval_ms}))
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_frame(ws, connection, json.loads(message.data))
        finally:
            self._sockets.discard(ws)
            session = self._session_of(ws)
            if session is not None:
                session.ws = None
            connection.close_code = ws.close_code
            self.state.feed.notify()
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, connection: GatewayConnection, frame: JSON
    ) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            # The client reports the last sequence it processed; barrier() relies on it.
            session = self._session_of(ws)
            if session is not None:
                session.last_heartbeat_seq = int(data) if isinstance(data, int) else -1
            await ws.send_str(_frame(HEARTBEAT_ACK, None))
            self.state.feed.notify()
        elif op == IDENTIFY:
            connection.started_with = "identify"
            await self._identify(ws, data or {})
        elif op == RESUME:
            connection.started_with = "resume"
            await self._resume(ws, data or {})
        elif op == REQUEST_MEMBERS:
            await self._send_member_chunk(data or {})
        elif op == PRESENCE:
            self.presence = data
        else:
            log.debug("loopback gateway ignores op %s", op)

    async def _identify(self, ws: web.WebSocketResponse, data: JSON) -> None:
        shard_id, shard_count = data.get("shard") or (0, 1)
        if shard_count != self.shard_count or not 0 <= shard_id < shard_count:
            # Discord closes a session that names an impossible shard.
            await ws.close(code=4010, message=b"Invalid shard")
            return
        session = self.session(shard_id)
        session.ws = ws
        session.session_id = uuid.uuid4().hex
        session.seq = 0
        session.backlog.clear()
        self.intents = data.get("intents")
        self.presence = data.get("presence")
        self.identify_count += 1
        guilds = [g for g in self.state.guilds.values() if self.shard_for(g.id) == shard_id]
        await self._send(session, "READY", self._ready_payload(session, guilds))
        for guild in guilds:
            await self._send(session, "GUILD_CREATE", self.guild_create_payload(guild))
        self.ready_count += 1
        self.state.feed.notify()

    async def _resume(self, ws: web.WebSocketResponse, data: JSON) -> None:
        wanted = data.get("session_id")
        session = next(
            (s for s in self.sessions.values() if wanted and s.session_id == wanted), None
        )
        if session is None:
            # Discord answers a stale RESUME with INVALID_SESSION(false): identify again.
            await ws.send_str(_frame(INVALID_SESSION, False))
            return
        session.ws = ws
        last_seen = int(data.get("seq") or 0)
        for seq, frame in list(session.backlog):
            if seq > last_seen:
                await ws.send_str(frame)
        self.resume_count += 1
        await self._send(session, "RESUMED", {})

    def shard_for(self, guild_id: int) -> int:
        return shard_of(guild_id, self.shard_count)

    def _ready_payload(self, session: ShardSession, guilds: list[FakeGuild]) -> JSON:
        user = {
            **self.state.bot_user.payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "email": None,
        }
        return {
            "v": 10,
            "user": user,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "shard": [session.shard_id, self.shard_count],
            "session_type": "normal",
            "resume_gateway_url": self.resume_url,
            "application": {"id": str(self.state.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["loopback"],
        }

    def guild_create_payload(self, guild: FakeGuild) -> JSON:
        """GUILD_CREATE for ``guild``, with members only if the bot asked for them."""
        if self.wants(GUILD_MEMBERS):
            member_ids = list(guild.members)
        else:
            member_ids = [self.state.bot_user.id] if self.state.bot_user.id in guild.members else []
        return guild.create_payload(member_ids=member_ids)

    async def _send_member_chunk(self, data: JSON) -> None:
        guild = self.state.guilds.get(int(data["guild_id"]))
        if guild is None:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = str(data.get("query") or "").lower()
        limit = int(data.get("limit") or 0) or len(guild.members)
        if wanted:
            members = [uid for uid in guild.members if uid in wanted]
        else:
            members = [
                uid for uid, m in guild.members.items() if m.user.name.lower().startswith(query)
            ]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": [guild.member_payload(uid) for uid in members[:limit]],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in wanted - set(guild.members)],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # ----- dispatching ---------------------------------------------------------------
    def wants(self, intent: int) -> bool:
        """Whether the identified bot asked for ``intent`` (everything before IDENTIFY)."""
        return self.intents is None or bool(self.intents & intent)

    @property
    def connected(self) -> bool:
        """Whether every shard's session is attached to an open websocket."""
        return all(
            (session := self.sessions.get(shard)) is not None
            and session.ws is not None
            and not session.ws.closed
            for shard in range(self.shard_count)
        )

    async def dispatch(self, event: str, data: Any) -> None:
        """Send a DISPATCH frame to the shard of its guild (shard 0 without one)."""
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        if event == "GUILD_CREATE":
            guild_id = data["id"]
        shard = 0 if guild_id is None else self.shard_for(int(guild_id))
        await self._send(self.session(shard), event, data)

    async def _send(self, session: ShardSession, event: str, data: Any) -> None:
        """Send a DISPATCH frame now on ``session``, and keep it for replay after a RESUME."""
        async with session.send_lock:
            session.seq += 1
            frame = json.dumps({"op": DISPATCH, "t": event, "s": session.seq, "d": data})
            session.backlog.append((session.seq, frame))
            ws = session.ws
            if ws is not None and not ws.closed:
                try:
                    await ws.send_str(frame)
                except ConnectionError:
                    log.debug("loopback gateway: %s kept for replay", event)
        self.state.feed.notify()

    async def dispatch_message(self, event: str, message: SentMessage) -> None:
        """MESSAGE_CREATE/UPDATE as Discord would deliver it to this bot.

        Ephemeral messages never reach the gateway; without the message-content intent
        other users' messages arrive with empty content unless they mention the bot.
        """
        if message.ephemeral:
            return
        intent = GUILD_MESSAGES if message.guild_id is not None else DIRECT_MESSAGES
        if not self.wants(intent):
            return
        data = self.state.message_payload(message)
        if (
            message.guild_id is not None
            and message.author.id in self.state.guild(message.guild_id).members
        ):
            data["member"] = self.state.guild(message.guild_id).member_payload(
                message.author.id, with_user=False
            )
        if not self._may_read_content(message, data):
            data.update(content="", embeds=[], attachments=[], components=[])
        await self.dispatch(event, data)

    def _may_read_content(self, message: SentMessage, data: JSON) -> bool:
        bot_id = str(self.state.bot_user.id)
        mentioned = any(m["id"] == bot_id for m in data.get("mentions", []))
        return (
            self.wants(MESSAGE_CONTENT) or message.from_bot or message.guild_id is None or mentioned
        )

    async def barrier(self, within: float) -> None:
        """Return once the client has parsed every event dispatched so far.

        Discord may ask for a heartbeat at any time (op 1); discord.py answers at once
        with the last sequence it processed, and it handles frames in order, so the
        answer proves every earlier dispatch has been parsed into its cache. Event
        handlers the parse started (``on_message`` ...) may still be running.
        """
        for session in list(self.sessions.values()):
            await self._acknowledged(session, within)

    async def _acknowledged(self, session: ShardSession, within: float) -> None:
        ws, target = session.ws, session.seq
        if ws is None:
            raise RuntimeError(
                f"the bot is not connected to the gateway (shard {session.shard_id})"
            )
        session.last_heartbeat_seq = -1
        await ws.send_str(_frame(HEARTBEAT, None))
        await self.state.feed.wait_until(
            lambda: session.last_heartbeat_seq >= target,
            within=within,
            describe=lambda: (
                f"bot did not acknowledge shard {session.shard_id}'s events up to seq {target}"
            ),
        )

    # ----- disruption ----------------------------------------------------------------
    async def drop(self, code: int, shard: int = 0) -> None:
        """Close a shard's websocket with ``code``, as a network failure would."""
        session = self.session(shard)
        ws = session.ws
        if ws is None:
            raise RuntimeError("the bot is not connected to the gateway")
        session.ws = None
        await ws.close(code=code, message=b"loopback drop")

    async def invalidate(self, shard: int = 0) -> None:
        """Send INVALID_SESSION(false) so the bot throws a shard's session away."""
        session = self.session(shard)
        ws = session.ws
        if ws is None:
            raise RuntimeError("the bot is not connected to the gateway")
        session.session_id = None
        await ws.send_str(_frame(INVALID_SESSION, False))

    async def close_all(self) -> None:
        """Close every open websocket (server shutdown)."""
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"loopback shutting down")


def _frame(op: int, data: Any) -> str:
    return json.dumps({"op": op, "d": data, "s": None, "t": None})
