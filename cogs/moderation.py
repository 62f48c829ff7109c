"""/catalog …: moderators add, edit, remove and import reviews, safely.

Every command and every button re-checks who is asking at run time; default
permissions only hide the commands, and server admins can change those.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import history_pages, review_embed
from bot.embeds_conflict import edit_conflict_embed
from bot.finder import Lookup
from bot.importers import parse_upload
from bot.member_errors import UserError
from bot.models import CONTENT_FIELDS, LIST_FIELDS, Review, ReviewDraft
from bot.permissions import (
    Actor,
    NotModerator,
    is_moderator,
    moderation_scope,
    moderator_refusal,
)
from bot.ratelimit import MemberBudget
from bot.replies import Where, explain, send_ephemeral
from bot.services.curation import EditConflict
from bot.validation import review_from_fields, validate_field
from bot.views import Confirmed, ConfirmView, send_private_pages, write_or_offer_again
from cogs.reviews import title_choices

if TYPE_CHECKING:
    from bot.client import ReviewBot

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MODAL_TEXT_LIMIT = 4000  # Discord's cap on one text input
MODERATION_RATE = (10, 60.0)  # changes per moderator per seconds, across subcommands
CHANGES = frozenset({"add", "edit", "delete", "restore", "import", "alias"})

Scope = Literal["server", "global"]


async def defer_privately(interaction: discord.Interaction) -> None:
    """Acknowledge before slow work; every /catalog answer is private, so is the deferral."""
    await interaction.response.defer(ephemeral=True, thinking=True)


def _actor(interaction: discord.Interaction) -> Actor:
    return Actor.from_user(interaction.user, interaction.permissions)


@app_commands.default_permissions(manage_guild=True)
class Moderation(
    commands.GroupCog, group_name="catalog", group_description="Curate the review catalog"
):
    def __init__(self, bot: ReviewBot) -> None:
        self.bot = bot
        # One budget per moderator for every subcommand that writes.
        self.change_budget = MemberBudget(MODERATION_RATE)
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None and interaction.user.id not in self.bot.settings.owner_ids:
            raise app_commands.NoPrivateMessage()
        if not await is_moderator(
            _actor(interaction), self.bot.catalog.settings, self.bot.settings.owner_ids
        ):
            raise NotModerator()
        if interaction.command is not None and interaction.command.name in CHANGES:
            self.change_budget.spend(interaction.user.id)
        return True

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "catalog"
        options = interaction.data.get("options") if interaction.data else None
        context = f"/{name} by {interaction.user.id} in guild {interaction.guild_id}: {options!r}"
        await send_ephemeral(interaction, explain(error, context, Where.of(interaction)))

    async def _scope(self, interaction: discord.Interaction, scope: Scope) -> int | None:
        return await moderation_scope(
            _actor(interaction),
            self.bot.catalog.settings,
            self.bot.settings.owner_ids,
            global_catalog=scope == "global",
        )

    async def refuse_non_moderators(self, interaction: discord.Interaction) -> str | None:
        """For buttons: the same rule as the commands, checked when pressed."""
        return await moderator_refusal(
            interaction, self.bot.catalog.settings, self.bot.settings.owner_ids
        )

    async def _editable(
        self, interaction: discord.Interaction, title: str, scope: Scope, *, deleted: bool = False
    ) -> tuple[Review, int | None]:
        """The review ``title`` names, if the moderator may change it in ``scope``."""
        scope_id = await self._scope(interaction, scope)
        if deleted:
            review = await self.bot.catalog.finder.find_deleted(title, scope_id)
        else:
            review = _in_scope_first(
                await self.bot.catalog.finder.resolve(title, interaction.guild_id), scope_id
            )
        if review is None or review.scope not in (None, interaction.guild_id):
            # Another guild's review (e.g. an ``id:`` value typed by hand): say nothing
            # about it, not even its title.
            raise UserError(f"No {'deleted ' if deleted else ''}review matches “{title[:80]}”.")
        if review.scope != scope_id:
            raise UserError(self._elsewhere(interaction, review))
        return review, scope_id

    def _elsewhere(self, interaction: discord.Interaction, review: Review) -> str:
        """Why this review can't be changed here, and the command that would work."""
        if review.scope is not None:  # the guild's own, asked for with scope: global
            return f"{review.display_title} is this server's; leave out `scope: global`."
        if interaction.user.id in self.bot.settings.owner_ids:
            return f"{review.display_title} is global: add `scope: global` to change it."
        return (
            f"{review.display_title} belongs to the global catalog, which only the bot's "
            "owners change. To give this server its own review of it, which members here "
            f"see instead, use `/catalog add title: {review.title} year: {review.year}`."
        )

    # -- add ---------------------------------------------------------------------------

    @app_commands.command(name="add", description="Add a review (a form for the verdict follows)")
    @app_commands.describe(
        title="Film title",
        year="Release year",
        score="Score out of 10, e.g. 8.5",
        runtime="Minutes",
        director="Director(s), separated by ;",
        cast="Cast in billing order, separated by ;",
        tagline="The film's tagline",
        verdict="Verdict label, e.g. Masterpiece",
        review_url="Link to the full review",
        poster_url="Link to a poster image",
        genres="Genres, separated by ;",
        aliases="Other titles it's known by, separated by ;",
        reviewer="Who wrote it, as the card credits them (default: your name in this server)",
        scope="Where it goes: this server (default) or the global catalog (owners only)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        title: str,
        year: int,
        score: float | None = None,
        runtime: int | None = None,
        director: str | None = None,
        cast: str | None = None,
        tagline: str | None = None,
        verdict: str | None = None,
        review_url: str | None = None,
        poster_url: str | None = None,
        genres: str | None = None,
        aliases: str | None = None,
        reviewer: str | None = None,
        scope: Scope = "server",
    ) -> None:
        scope_id = await self._scope(interaction, scope)
        fields = {
            "title": title,
            "year": year,
            "score": score,
            "runtime": runtime,
            "directors": director,
            "cast": cast,
            "tagline": tagline,
            "verdict": verdict,
            "review_url": review_url,
            "poster_url": poster_url,
            "genres": genres,
            "aliases": aliases,
            # Stored as text, so a card keeps its credit if the member leaves or is
            # renamed; `/catalog edit field: reviewer` changes it.
            "reviewer": interaction.user.display_name if reviewer is None else reviewer,
        }
        # Fail before the form, not after; the verdict itself comes with the form.
        draft = review_from_fields(fields, scope=scope_id, complete=False)
        await self._refuse_duplicate(draft)
        await interaction.response.send_modal(VerdictModal(self, draft))

    async def _refuse_duplicate(self, draft: ReviewDraft) -> None:
        existing = await self.bot.catalog.curation.find_identity(draft)
        if existing is not None:
            raise UserError(
                f"{existing.display_title} is already in this catalog. Change it with "
                f"`{edit_command(existing)}` instead."
            )

    async def preview(self, interaction: discord.Interaction, draft: ReviewDraft) -> None:
        """Show exactly what will be published; nothing is written until Publish."""

        async def publish(press: discord.Interaction) -> Confirmed:
            stored = await self.bot.catalog.curation.add(draft, actor_id=press.user.id)
            return Confirmed(
                f"Published {stored.display_title} (#{stored.id}).", review_embed(stored)
            )

        view = ConfirmView(
            interaction.user.id,
            confirm_label="Publish",
            write=publish,
            cancel_text="Cancelled: nothing was saved.",
            refuse=self.refuse_non_moderators,
        )
        await view.ask(
            interaction, "Preview: this is how members will see it.", embed=review_embed(draft)
        )

    # -- edit ------------------------------------------------------------------------------

    @app_commands.command(name="edit", description="Change one field of a review")
    @app_commands.describe(
        title="The review to change",
        field="Which field",
        value="The new value; leave empty to edit it in a form",
        scope="This server's review (default) or a global one (owners only)",
    )
    @app_commands.choices(
        field=[app_commands.Choice(name=name, value=name) for name in CONTENT_FIELDS]
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        title: str,
        field: str,
        value: str | None = None,
        scope: Scope = "server",
    ) -> None:
        review, scope_id = await self._editable(interaction, title, scope)
        if field not in CONTENT_FIELDS:
            raise UserError(f"There is no field called {field!r}.")
        if value is not None:
            await self.apply_edit(interaction, review, scope_id, field, value, shown=False)
            return
        current = review.content()[field]
        text = (
            "; ".join(current)
            if field in LIST_FIELDS
            else ("" if current is None else str(current))
        )
        if len(text) > MODAL_TEXT_LIMIT:
            raise UserError(f"{field} is too long to edit in a form; re-import the review instead.")
        await interaction.response.send_modal(EditFieldModal(self, review, scope_id, field, text))

    async def apply_edit(
        self,
        interaction: discord.Interaction,
        review: Review,
        scope_id: int | None,
        field: str,
        value: Any,
        *,
        shown: bool,
    ) -> None:
        """Set ``field`` of ``review`` to ``value``. A form ``shown`` the review's value
        may have gone stale; a ``value:`` typed outright sets the field as it says."""
        parsed = validate_field(field, value)
        await defer_privately(interaction)
        started = review if shown else None
        update = self._field_write(review.id, started, scope_id, field, parsed, str(value))
        await write_or_offer_again(interaction, update, refuse=self.refuse_non_moderators)

    def _field_write(
        self,
        review_id: int,
        started: Review | None,
        scope_id: int | None,
        field: str,
        parsed: Any,
        typed: str,
    ) -> Callable[[discord.Interaction], Awaitable[Confirmed]]:
        """Write ``field`` over the review as the edit began from it (``started``). If
        someone changed that field since, nothing is written: the moderator is shown
        what changed and asked, with what they typed kept in the question."""

        async def update(press: discord.Interaction) -> Confirmed:
            try:
                updated = await self.bot.catalog.curation.update(
                    review_id,
                    {field: parsed},
                    actor_id=press.user.id,
                    scope=scope_id,
                    started=started,
                )
            except EditConflict as conflict:
                current = conflict.current
                question = ConfirmView(
                    press.user.id,
                    confirm_label="Overwrite",
                    cancel_label="Keep theirs",
                    write=self._field_write(review_id, current, scope_id, field, parsed, typed),
                    cancel_text=f"Kept {current.display_title} as it is; yours is below to copy.",
                    cancel_keeps_card=True,
                    refuse=self.refuse_non_moderators,
                )
                question.add_item(EditAgain(self, current, scope_id, field, typed))
                return Confirmed(
                    f"Someone changed {current.display_title} since you began this edit, so "
                    "nothing is saved yet. **Overwrite** puts yours in its place; "
                    "**Keep theirs** leaves it as it is; **Edit again** opens the form "
                    "with yours, over theirs.",
                    edit_conflict_embed(conflict.started, current, field, typed),
                    question,
                )
            return Confirmed(f"Updated {field} of {updated.display_title}.", review_embed(updated))

        return update

    # -- delete / restore --------------------------------------------------------------

    @app_commands.command(name="delete", description="Remove a review (it can be restored)")
    @app_commands.describe(title="The review to remove", scope="This server's (default) or global")
    async def delete(
        self, interaction: discord.Interaction, title: str, scope: Scope = "server"
    ) -> None:
        review, scope_id = await self._editable(interaction, title, scope)
        review_id = review.id

        async def confirm(press: discord.Interaction) -> Confirmed:
            deleted = await self.bot.catalog.curation.delete(
                review_id, actor_id=press.user.id, scope=scope_id
            )
            return Confirmed(
                f"Deleted {deleted.display_title}. `{restore_command(deleted)}` brings it back."
            )

        view = ConfirmView(
            interaction.user.id,
            confirm_label="Delete",
            write=confirm,
            danger=True,
            cancel_text="Kept: nothing was deleted.",
            refuse=self.refuse_non_moderators,
        )
        await view.ask(interaction, f"Delete {review.display_title}?", embed=review_embed(review))

    @app_commands.command(name="restore", description="Bring back a deleted review")
    @app_commands.describe(title="The deleted review", scope="This server's (default) or global")
    async def restore(
        self, interaction: discord.Interaction, title: str, scope: Scope = "server"
    ) -> None:
        review, scope_id = await self._editable(interaction, title, scope, deleted=True)
        await defer_privately(interaction)

        async def restore(press: discord.Interaction) -> Confirmed:
            restored = await self.bot.catalog.curation.restore(
                review.id, actor_id=press.user.id, scope=scope_id
            )
            return Confirmed(f"Restored {restored.display_title}.", review_embed(restored))

        await write_or_offer_again(interaction, restore, refuse=self.refuse_non_moderators)

    # -- import / export ------------------------------------------------------------------

    @app_commands.command(
        name="import", description="Import reviews from a JSON, CSV or review-page file"
    )
    @app_commands.describe(
        file="A .json, .csv (also Letterboxd's reviews.csv) or .txt review page",
        dry_run="Only check the file and report",
        scope="This server's (default) or global",
    )
    async def import_(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        dry_run: bool = False,
        scope: Scope = "server",
    ) -> None:
        scope_id = await self._scope(interaction, scope)
        if file.size > MAX_IMPORT_BYTES:
            raise UserError(
                f"{file.filename} is {file.size / 1024 / 1024:.1f} MiB; imports are limited to "
                f"{MAX_IMPORT_BYTES // 1024 // 1024} MiB. Split it, or run `reviewbot import` "
                "on the bot's server."
            )
        await defer_privately(interaction)
        data = await file.read()
        # Decoded and parsed as the import stages it, in the import's worker thread:
        # 2 MiB takes a second or two, in which the bot keeps answering (and heartbeating).
        report = await self.bot.catalog.curation.import_reviews(
            parse_upload(data, file.filename, scope_id),
            actor_id=interaction.user.id,
            dry_run=dry_run,
        )
        await interaction.followup.send(report.summary(), ephemeral=True)

    @app_commands.command(name="export", description="Download this server's reviews as a file")
    @app_commands.describe(
        format="json (default) or csv", scope="This server's (default) or global"
    )
    async def export(
        self,
        interaction: discord.Interaction,
        format: Literal["json", "csv"] = "json",
        scope: Scope = "server",
    ) -> None:
        scope_id = await self._scope(interaction, scope)
        await defer_privately(interaction)
        name = f"reviews-{scope_id or 'global'}.{format}"
        limit = interaction.filesize_limit
        with tempfile.TemporaryFile("w+b") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            try:
                written = await self.bot.catalog.curation.export(
                    scope_id, format, text, max_bytes=limit
                )
                text.flush()
            finally:
                text.detach()  # the `with` closes the file, not the wrapper
            if not written.complete:
                guild = "" if scope_id is None else f" --guild {scope_id}"
                raise UserError(
                    f"The export is larger than Discord's {_size(limit)} attachment "
                    f"limit. On the bot's server, run `reviewbot export{guild} --format {format} "
                    f"--output {name}` to export every review."
                )
            raw.seek(0)
            await interaction.followup.send(
                f"{written.count} review(s).",
                file=discord.File(raw, filename=name),
                ephemeral=True,
            )

    # -- aliases and history ---------------------------------------------------------------

    @app_commands.command(name="alias", description="Add another name a film can be found by")
    @app_commands.describe(
        title="The review",
        alias="e.g. an abbreviation or the original-language title",
        scope="This server's (default) or global",
    )
    async def alias(
        self, interaction: discord.Interaction, title: str, alias: str, scope: Scope = "server"
    ) -> None:
        review, scope_id = await self._editable(interaction, title, scope)
        await defer_privately(interaction)

        async def add_alias(press: discord.Interaction) -> Confirmed:
            updated = await self.bot.catalog.curation.add_alias(
                review.id, alias, actor_id=press.user.id, scope=scope_id
            )
            names = discord.utils.escape_markdown(", ".join(updated.aliases))
            return Confirmed(f"{updated.display_title} is now also found as: {names}")

        await write_or_offer_again(interaction, add_alias, refuse=self.refuse_non_moderators)

    @app_commands.command(name="history", description="What changed in a review, who and when")
    @app_commands.describe(title="The review")
    async def history(self, interaction: discord.Interaction, title: str) -> None:
        found = await self.bot.catalog.finder.resolve(title, interaction.guild_id)
        if found.best is None:
            raise UserError(f"No review matches “{title[:80]}”.")
        entries = await self.bot.catalog.curation.history(found.best.id)
        await send_private_pages(interaction, history_pages(found.best, entries))

    @edit.autocomplete("title")
    @delete.autocomplete("title")
    @alias.autocomplete("title")
    @history.autocomplete("title")
    async def title_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await title_choices(self.bot, interaction, current)

    @restore.autocomplete("title")
    async def deleted_title_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # Autocomplete skips interaction_check, and deleted reviews are for moderators only.
        if await self.refuse_non_moderators(interaction) is not None:
            return []
        scope_id = interaction.guild_id
        if (
            getattr(interaction.namespace, "scope", None) == "global"
            and interaction.user.id in self.bot.settings.owner_ids
        ):
            scope_id = None
        choices = await self.bot.catalog.finder.deleted_choices(current, scope_id)
        return [app_commands.Choice(name=name, value=value) for name, value in choices]


def _scope_option(review: Review) -> str:
    return "" if review.scope is not None else " scope: global"


def edit_command(review: Review) -> str:
    """The edit command that reaches exactly ``review`` (title, year and scope)."""
    return f"/catalog edit title: {review.display_title}{_scope_option(review)}"


def restore_command(review: Review) -> str:
    return f"/catalog restore title: {review.display_title}{_scope_option(review)}"


def _size(limit: int) -> str:
    return f"{limit / 1024 / 1024:.0f} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def _in_scope_first(found: Lookup, scope_id: int | None) -> Review | None:
    """The best match, or the same film's copy in ``scope_id`` when that scope has one.

    A guild may keep its own review of a film the global catalog also has; typing the
    title must reach the copy the moderator can change, not stop at the global one.
    """
    best = found.best
    if best is None or best.scope == scope_id:
        return best
    same_film = (
        review
        for review in found.alternatives
        if review.scope == scope_id
        and review.year == best.year
        and review.title.casefold() == best.title.casefold()
    )
    return next(same_film, best)


class _ModeratorModal(discord.ui.Modal):
    """A form whose submission is re-checked: a role can be taken away while it is open."""

    cog: Moderation

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        reason = await self.cog.refuse_non_moderators(interaction)
        if reason is None:
            return True
        await send_ephemeral(interaction, reason)
        return False

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[Any] | None = None,
        /,
    ) -> None:
        # discord.py calls a modal's on_error without ``item``, but types Modal as a
        # BaseView, whose on_error is given the failing item: accepting both is honest.
        await send_ephemeral(interaction, explain(error, "moderation form", Where.of(interaction)))


class VerdictModal(_ModeratorModal, title="The verdict"):
    verdict_text: discord.ui.TextInput[VerdictModal] = discord.ui.TextInput(
        label="Verdict",
        style=discord.TextStyle.paragraph,
        max_length=MODAL_TEXT_LIMIT,
        required=False,
        placeholder="A few sentences members see under the score",
    )
    body: discord.ui.TextInput[VerdictModal] = discord.ui.TextInput(
        label="Full review (optional)",
        style=discord.TextStyle.paragraph,
        max_length=MODAL_TEXT_LIMIT,
        required=False,
    )

    def __init__(self, cog: Moderation, draft: ReviewDraft) -> None:
        super().__init__()
        self.cog = cog
        self.draft = draft

    async def on_submit(self, interaction: discord.Interaction) -> None:
        fields = {
            **self.draft.content(),
            "verdict_text": self.verdict_text.value,
            "body": self.body.value,
        }
        # complete: a card of placeholders (no score, verdict or text) is never published.
        draft = review_from_fields(fields, scope=self.draft.scope, complete=True)
        await self.cog.preview(interaction, draft)


class EditFieldModal(_ModeratorModal, title="Edit review"):
    def __init__(
        self, cog: Moderation, review: Review, scope_id: int | None, field: str, current: str
    ) -> None:
        super().__init__()
        self.cog, self.review, self.scope_id, self.field = cog, review, scope_id, field
        self.value: discord.ui.TextInput[EditFieldModal] = discord.ui.TextInput(
            label=field,
            default=current,
            required=False,
            max_length=MODAL_TEXT_LIMIT,
            style=discord.TextStyle.paragraph,
        )
        self.add_item(self.value)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.apply_edit(
            interaction, self.review, self.scope_id, self.field, self.value.value, shown=True
        )


class EditAgain(discord.ui.Button[ConfirmView]):
    """Under an edit's conflict question: the form again, holding exactly what was typed
    (the card above shows it escaped for reading), over the review as it is now."""

    def __init__(
        self, cog: Moderation, current: Review, scope_id: int | None, field: str, typed: str
    ) -> None:
        super().__init__(label="Edit again", style=discord.ButtonStyle.secondary)
        self.form = partial(EditFieldModal, cog, current, scope_id, field, typed)

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(self.form())


async def setup(bot: ReviewBot) -> None:
    await bot.add_cog(Moderation(bot))
