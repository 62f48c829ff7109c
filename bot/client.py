"""The Bot: owns the catalog, loads the cogs, syncs commands, handles errors, and
serves its metrics and health (with METRICS_PORT)."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import pkgutil
from dataclasses import replace
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

import cogs
from bot.catalog import Catalog
from bot.charts import ChartCache, RenderProcess
from bot.command_metrics import CommandMetrics
from bot.config import ConfigError, Settings
from bot.health import (
    HealthServer,
    ReadinessCheck,
    catalog_check,
    follower_check,
    shards_check,
)
from bot.heap import freeze_startup_heap
from bot.json_log import JsonLogFormatter
from bot.metrics import Metrics, ShardState
from bot.pacing import Turns
from bot.ratelimit import AUTOCOMPLETE_RATE, LOOKUP_RATE, MemberBudget
from bot.replies import Where, explain, outcome, reply_with_error, send_ephemeral
from bot.request_views import REQUEST_ITEMS
from bot.shutdown import RESTARTING, InFlight, stop_on_signals
from bot.store import Store
from bot.sync import sync_key, tree_hash
from bot.views import PERSISTENT_ITEMS, OwnedView

log = logging.getLogger(__name__)

# /readyz: the follower may trail the catalog this long (one batch of a large import
# takes a second or two to index; a follower failing for this long needs a look).
FEED_LAG_BOUND = 30.0


def bot_intents(settings: Settings) -> discord.Intents:
    """Guilds for the command context, guild messages for prefix commands and mentions.

    Message content is privileged: asked for only when prefix commands are on.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    if settings.prefix_commands_enabled:
        intents.guild_messages = True
        intents.message_content = True
    return intents


class ReviewTree(app_commands.CommandTree["ReviewBot"]):
    """Command tree that answers errors nobody else answered, privately, and where
    every command is counted (:mod:`bot.command_metrics`): it arrives here, and here
    its error ends it.

    It never defers on a command's behalf: only the command knows whether its
    answer will be private, so each slow command and component defers itself
    (``defer(ephemeral=…, thinking=True)``). A timer here would make every late
    private reply public and could race the command's own answer (40060).
    """

    async def interaction_check(self, interaction: discord.Interaction[ReviewBot], /) -> bool:
        self.client.command_metrics.arrived(interaction)
        return True

    async def on_error(
        self, interaction: discord.Interaction[ReviewBot], error: app_commands.AppCommandError, /
    ) -> None:
        command = interaction.command
        name = command.qualified_name if command else "?"
        try:
            cog = getattr(command, "binding", None)
            if isinstance(cog, commands.Cog) and cog.has_app_command_error_handler():
                return  # the cog answered with its own context
            context = f"/{name} from {interaction.user.id}"
            await send_ephemeral(interaction, explain(error, context, Where.of(interaction)))
        finally:
            self.client.command_metrics.finished(interaction.id, name, outcome(error))


def shard_options(settings: Settings) -> dict[str, Any]:
    """SHARD_COUNT and SHARD_IDS as discord.py takes them; unset means "ask Discord".

    discord.py treats a given ``None`` like an absent option, but only absent
    keeps the meaning plain.
    """
    options: dict[str, Any] = {}
    if settings.shard_count is not None:
        options["shard_count"] = settings.shard_count
    if settings.shard_ids is not None:
        options["shard_ids"] = list(settings.shard_ids)
    return options


class ReviewBot(commands.AutoShardedBot):
    """The bot, sharded: one process runs all of the application's shards or those
    in SHARD_IDS, so several processes (sharing one PostgreSQL catalog) split them."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        application_id: int | None = None,
        force_sync: bool = False,
        sync_guild_id: int | None = None,
    ) -> None:
        prefix = (
            commands.when_mentioned_or(settings.command_prefix)
            if settings.prefix_commands_enabled
            else commands.when_mentioned
        )
        # Discord tells the application id at login; tests name theirs up front. It must be
        # left out rather than given as None or MISSING, which discord.py would keep.
        known_application: dict[str, Any] = (
            {} if application_id is None else {"application_id": application_id}
        )
        self._shutdown_grace = settings.shutdown_grace_seconds
        metrics = Metrics(enabled=settings.metrics_port is not None)
        command_metrics = CommandMetrics(metrics)
        # Commands' first responses are timed on discord.py's own HTTP session.
        traced: dict[str, Any] = {"http_trace": command_metrics.trace()} if metrics.enabled else {}
        super().__init__(
            command_prefix=prefix,
            intents=bot_intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            owner_ids=set(settings.owner_ids) or None,
            help_command=None,
            tree_cls=ReviewTree,
            **traced,
            **known_application,
            **shard_options(settings),
        )
        self.settings = settings
        self.metrics = metrics
        self.command_metrics = command_metrics
        # /stats charts, drawn once per scope and filters until the catalog changes, in
        # a process of their own: a render must not slow other members' lookups.
        self._renderer = RenderProcess()
        self.charts = ChartCache(
            lambda scope, filters: self.catalog.insights.histograms(filters, guild_id=scope),
            render=self._renderer,
        )
        self._health: HealthServer | None = None
        # Shared by every autocompleted option, whichever cog answers it.
        self.autocomplete_budget = MemberBudget(AUTOCOMPLETE_RATE)
        # Shared by every way of looking a title up: /review, !review, @bot, Find review.
        self.lookup_budget = MemberBudget(LOOKUP_RATE)
        # Lookups take turns, so a burst is answered in order and inside Discord's 3 s.
        self.turns = Turns()
        self._given_store = store
        self._catalog: Catalog | None = None
        self._force_sync = force_sync
        self._sync_guild_id = sync_guild_id
        # What members wait on, so that a stop lets it answer (bot/shutdown.py).
        self.in_flight = InFlight()
        self._stopping: asyncio.Future[None] | None = None

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            raise RuntimeError("the catalog opens in setup_hook; the bot has not started")
        return self._catalog

    async def setup_hook(self) -> None:
        if self._given_store is not None:
            self._catalog = await Catalog.from_store(self._given_store, metrics=self.metrics)
        else:
            self._catalog = await Catalog.open(
                self.settings.database,
                pool_size=self.settings.database_pool_size,
                metrics=self.metrics,
            )
            await self._catalog.load_starter_if_empty()
        log.info("title index holds %d reviews", len(self._catalog.finder.index))
        self._catalog.sync.on_changed(self.charts.invalidate)
        # Public card buttons answer from any message, also ones sent before a restart.
        self.add_dynamic_items(*PERSISTENT_ITEMS, *REQUEST_ITEMS)
        # Changes other processes commit (a CLI import, bots on other shards) reach the
        # index; and what reacts to a new review speaks only in this process's servers.
        self._catalog.sync.serve_only(self.serves)
        self._catalog.sync.start_following()
        self.in_flight.watch(self._connection.parsers, self._refuse_while_stopping)
        for extension in extension_names():
            await self.load_extension(extension)
        self.metrics.add_commands(command_names(self))
        self.metrics.watch_shards(self.shard_states)
        await self._serve_health()
        freeze_startup_heap()
        await self.sync_commands(force=self._force_sync, guild_id=self._sync_guild_id)

    async def _serve_health(self) -> None:
        port = self.settings.metrics_port
        if port is None:
            return
        host = self.settings.metrics_host
        health = HealthServer(self.metrics, self.readiness_checks(), port=port, host=host)
        try:
            await health.start()
        except OSError as error:
            reason = os.strerror(error.errno) if error.errno else str(error)
            raise ConfigError(
                f"METRICS_PORT: cannot serve metrics on {host}:{port} ({reason}); "
                "is another process using the port?"
            ) from None
        self._health = health
        log.info("metrics and health checks on http://%s:%d/", *health.address)

    @property
    def health(self) -> HealthServer | None:
        """The metrics and health server, while it runs (with METRICS_PORT)."""
        return self._health

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        """What /readyz asks: the catalog answers, the follower follows, shards are up."""
        return {
            "catalog": catalog_check(self.catalog.ping),
            "follower": follower_check(
                lambda: self.catalog.sync.state.following,
                lambda: self.catalog.sync.state.lag_seconds,
                bound=FEED_LAG_BOUND,
            ),
            "shards": shards_check(self.shard_states),
        }

    def shard_states(self) -> dict[int, ShardState]:
        """Each shard this process runs: its gateway latency (NaN before the first
        heartbeat is acknowledged) and whether its connection is open."""
        states = {}
        for shard_id, shard in self.shards.items():
            latency = shard.latency if math.isfinite(shard.latency) else math.nan
            states[shard_id] = ShardState(latency, not shard.is_closed())
        return states

    async def sync_commands(self, *, force: bool = False, guild_id: int | None = None) -> bool:
        """Sync globally, or into ``guild_id`` / DEV_GUILD_ID, when the tree changed.

        Returns whether a sync request was made.
        """
        target = guild_id if guild_id is not None else self.settings.dev_guild_id
        guild = None if target is None else discord.Object(target)
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        digest = tree_hash(self.tree, guild)
        key = sync_key(self.application_id, target)
        if not force and await self.catalog.settings.synced_tree(key) == digest:
            log.info("commands unchanged since the last sync; not syncing")
            return False
        await self.tree.sync(guild=guild)
        await self.catalog.settings.set_synced_tree(key, digest)
        return True

    def serves(self, guild_id: int) -> bool:
        """Whether ``guild_id`` is on one of this process's shards (and so is its to
        speak in)."""
        return self.get_guild(guild_id) is not None

    async def close(self) -> None:
        """Stop in order, once however often it is called (a signal and the shutdown
        racing): stop taking interactions and let those in flight answer, stop the
        follower, close the gateway and HTTP session (unloading the cogs settles their
        background work first), then the database."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop_in_order())
        await asyncio.shield(self._stopping)

    async def _stop_in_order(self) -> None:
        drained = await self.in_flight.drain(self._shutdown_grace)
        if drained.received:
            log.info("stopped taking interactions: %s", drained)
        if self._catalog is not None:
            await self._catalog.sync.stop_following()
        health, self._health = self._health, None
        if health is not None:
            await health.stop()
        OwnedView.stop_all()  # their controls now answer that they expired
        await asyncio.to_thread(self._renderer.close)
        await super().close()
        catalog, self._catalog = self._catalog, None
        # A store handed in by the caller is the caller's to close.
        if catalog is not None and self._given_store is None:
            await catalog.close()

    async def _refuse_while_stopping(self, event: str, data: Any) -> None:
        """Answer an interaction that arrived after the stop began, instead of starting it."""
        if event != "INTERACTION_CREATE":
            return  # a message needs no answer to be over
        # Built as discord.py's parser builds it, only to answer.
        interaction = discord.Interaction(data=data, state=self._connection)
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await interaction.response.send_message(RESTARTING, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell interaction %s that the bot is restarting", data["id"])

    async def on_ready(self) -> None:
        log.info(
            "connected as %s to %d server(s) on shard(s) %s of %s",
            self.user,
            len(self.guilds),
            ",".join(str(shard) for shard in sorted(self.shards)),
            self.shard_count,
        )

    async def invoke(self, ctx: commands.Context[Any], /) -> None:
        """Run a prefix command (slash commands start in the tree), timed for the metrics."""
        if ctx.command is not None:
            self.command_metrics.started(ctx.message.id)
        await super().invoke(ctx)

    async def on_app_command_completion(
        self,
        interaction: discord.Interaction[ReviewBot],
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        self.command_metrics.finished(interaction.id, command.qualified_name, "answered")

    async def on_command_completion(self, context: commands.Context[Any], /) -> None:
        if context.interaction is None:  # a slash command's completion is the tree's
            name = context.command.qualified_name if context.command else "?"
            self.command_metrics.finished(context.message.id, name, "answered")

    async def on_command_error(
        self, context: commands.Context[Any], exception: commands.CommandError, /
    ) -> None:
        if isinstance(exception, commands.CommandNotFound):
            return
        try:
            if context.cog is not None and context.cog.has_error_handler():
                return  # the cog answered with its own context
            await reply_with_error(
                context, exception, f"command {context.command} from {context.author.id}"
            )
        finally:
            key = context.interaction.id if context.interaction else context.message.id
            name = context.command.qualified_name if context.command else "?"
            self.command_metrics.finished(key, name, outcome(exception))


def command_names(bot: commands.AutoShardedBot) -> set[str]:
    """Every command's name as the metrics label it: slash commands and subcommands
    ("catalog add"), *Apps* menu commands, prefix commands."""
    names = {command.qualified_name for command in bot.walk_commands()}
    for kind in discord.AppCommandType:
        for command in bot.tree.walk_commands(type=kind):
            if not isinstance(command, app_commands.Group):
                names.add(command.qualified_name)
    return names


def extension_names() -> list[str]:
    return sorted(
        f"{cogs.__name__}.{module.name}"
        for module in pkgutil.iter_modules(cogs.__path__)
        if not module.name.startswith("_")
    )


def create_bot(
    settings: Settings,
    *,
    store: Store | None = None,
    application_id: int | None = None,
    force_sync: bool = False,
) -> ReviewBot:
    """A bot for ``settings``; tests pass their own ``store`` and ``application_id``.

    ``force_sync`` syncs even an unchanged tree (a fresh stand-in knows no commands).
    """
    return ReviewBot(settings, store=store, application_id=application_id, force_sync=force_sync)


async def sync_now(
    settings: Settings, *, guild_id: int | None, application_id: int | None = None
) -> None:
    """``reviewbot sync``: log in over REST only, sync the tree, and leave."""
    bot = ReviewBot(
        replace(settings, metrics_port=None),  # beside a running bot: its port is taken
        application_id=application_id,
        force_sync=True,
        sync_guild_id=guild_id,
    )
    assert settings.discord_token is not None
    async with bot:
        await bot.login(settings.discord_token)  # runs setup_hook, which syncs


def _not_about_voice(record: logging.LogRecord) -> bool:
    # This bot never joins voice; discord.py's warnings that voice libraries are
    # missing would be the first lines anyone reads.
    return "voice will NOT be supported" not in record.getMessage()


async def run_bot(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM, then close the gateway and the database cleanly."""
    if settings.log_format == "json":  # one object per line, for a log collector
        discord.utils.setup_logging(level=settings.log_level_number, formatter=JsonLogFormatter())
    else:
        discord.utils.setup_logging(level=settings.log_level_number)
    logging.getLogger("discord.client").addFilter(_not_about_voice)
    bot = create_bot(settings)
    closing: list[asyncio.Future[None]] = []

    def stop() -> None:
        if not closing:  # a second signal changes nothing: the stop is bounded already
            # Now, not when close() first runs a few loop steps later: what arrives
            # after this line is refused ("restarting"), as the line says.
            bot.in_flight.stop_taking()
            log.info("stopping: finishing the interactions in flight, then closing")
            closing.append(asyncio.ensure_future(bot.close()))

    undo_signals = stop_on_signals(stop)
    assert settings.discord_token is not None
    try:
        async with bot:
            await bot.start(settings.discord_token)
    except discord.LoginFailure:
        log.error("Discord refused DISCORD_TOKEN; copy a fresh token from the developer portal")
        return 1
    except (aiohttp.ClientConnectionError, OSError) as error:
        # No network, DNS or a firewall: one line, not discord.py's traceback.
        log.error("cannot reach Discord (%s); check the network connection and try again", error)
        return 1
    except discord.PrivilegedIntentsRequired:
        log.error(
            "enable the Message Content intent for this bot in the developer portal, "
            "or set COMMAND_PREFIX= (empty) to run with slash commands only"
        )
        return 1
    finally:
        # start() returns as soon as the gateway is closed; the database closes after
        # that, inside the signal's close(), which must finish before we return.
        await asyncio.gather(*closing)
        await bot.close()
        undo_signals()
    return 0
