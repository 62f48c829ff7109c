"""The loopback Discord, proven with a tiny throwaway bot running on real discord.py."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Literal

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from standin import LoopbackFile, LoopbackTimeout, LoopbackUsageError, default_stand_in
from tests.e2e.harness import (
    BOT_USER_ID,
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    OTHER_GUILD_ID,
    BotRun,
    running_bot,
)

FILMS = ["Heat", "Heathers", "Collateral", "Thief", "Manhunter"]
MANAGE_GUILD = discord.Permissions(manage_guild=True).value


# ----- the tiny bot ------------------------------------------------------------------------
VoteButton = discord.ui.Button["VoteView"]


class VoteView(discord.ui.View):
    """Approve/Reject buttons only the invoker may press."""

    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=60)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("This vote is not yours.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Approve", style=discord.ButtonStyle.success, custom_id="vote:yes")
    async def approve(self, interaction: discord.Interaction, _: VoteButton) -> None:
        await interaction.response.edit_message(
            content=f"Approved by {interaction.user.name}", view=None
        )

    @discord.ui.button(label="Reject", style=discord.ButtonStyle.danger, custom_id="vote:no")
    async def reject(self, interaction: discord.Interaction, _: VoteButton) -> None:
        await interaction.response.edit_message(content="Rejected", view=None)


class GenreSelect(discord.ui.Select[discord.ui.View]):
    def __init__(self) -> None:
        options = [discord.SelectOption(label=g.title(), value=g) for g in ("drama", "crime")]
        super().__init__(custom_id="genre", placeholder="Genre", options=options)

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=f"Picked {self.values[0]}", view=None)


class RefreshView(discord.ui.View):
    @discord.ui.button(label="Refresh", custom_id="refresh")
    async def refresh(
        self, interaction: discord.Interaction, _: discord.ui.Button[RefreshView]
    ) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="Refreshed", view=None)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    comment: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Comment", custom_id="comment", max_length=200
    )
    rating: discord.ui.Label[FeedbackModal] = discord.ui.Label(
        text="Rating", component=discord.ui.TextInput(custom_id="rating", required=False)
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        rating = self.rating.component
        assert isinstance(rating, discord.ui.TextInput)
        await interaction.response.send_message(
            f"Thanks: {self.comment.value} ({rating.value or 'no rating'})", ephemeral=True
        )


class Tiny(commands.Cog):
    admin = app_commands.Group(
        name="admin",
        description="Admin tools",
        default_permissions=discord.Permissions(manage_guild=True),
    )

    # discord.py's stubs reject keyword-only parameters here though they work at runtime.
    @commands.hybrid_command(name="review", description="Show a review")  # type: ignore[arg-type]
    async def review(self, ctx: commands.Context[commands.Bot], *, title: str) -> None:
        embed = discord.Embed(title=title, description=f"Review of {title}")
        await ctx.send(
            f"For {ctx.author.mention}",
            embed=embed,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @review.autocomplete("title")
    async def review_title(
        self, _: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f, value=f) for f in FILMS if current.lower() in f.lower()]

    @app_commands.command(name="secret", description="Only you see this")
    async def secret(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("psst", ephemeral=True)

    @app_commands.command(name="vote", description="Start a vote")
    async def vote(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Vote?", view=VoteView(interaction.user.id))

    @app_commands.command(name="pick", description="Pick a genre")
    async def pick(self, interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=60)
        view.add_item(GenreSelect())
        await interaction.response.send_message("Pick one", view=view)

    @app_commands.command(name="feedback", description="Send feedback")
    async def feedback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @app_commands.command(name="slow", description="Think, then answer")
    async def slow(
        self, interaction: discord.Interaction, mode: Literal["followup", "edit"] = "followup"
    ) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        if mode == "followup":
            await interaction.followup.send("done")
        else:
            await interaction.edit_original_response(content="edited")

    @app_commands.command(name="twice", description="Answer, then follow up")
    async def twice(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")
        await interaction.followup.send("two", ephemeral=True)

    @app_commands.command(name="refresh", description="A button that defers")
    async def refresh(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Stale", view=RefreshView(timeout=60))

    @app_commands.command(name="upload", description="Send a file")
    async def upload(self, interaction: discord.Interaction) -> None:
        file = discord.File(io.BytesIO(b"hello file"), filename="hello.txt")
        await interaction.response.send_message("here", file=file)

    @app_commands.command(name="read", description="Read an attachment")
    async def read(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        data = await file.read()
        await interaction.response.send_message(f"{file.filename}: {data.decode()}")

    @app_commands.command(name="modonly", description="Needs Manage Guild")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def modonly(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    @modonly.error
    async def modonly_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await interaction.response.send_message("You can't do that.", ephemeral=True)

    @admin.command(name="purge", description="Purge things")
    async def purge(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("purged")

    @app_commands.command(name="invite", description="Calls a route the stand-in lacks")
    async def invite(self, interaction: discord.Interaction) -> None:
        assert isinstance(interaction.channel, discord.TextChannel)
        try:
            await interaction.channel.create_invite()
        except discord.NotFound:
            await interaction.response.send_message("no invite")

    @app_commands.command(name="silent", description="Never answers")
    async def silent(self, interaction: discord.Interaction) -> None:
        return None

    @app_commands.command(name="huge", description="Sends too much text")
    async def huge(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("x" * 2001)

    @commands.command(name="ping")
    async def ping(self, ctx: commands.Context[commands.Bot]) -> None:
        await ctx.reply("pong")

    @commands.command(name="announce")
    async def announce(self, ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send(
            f"Hey {ctx.author.mention}",
            allowed_mentions=discord.AllowedMentions(users=[ctx.author]),
        )


class TinyBot(commands.Bot):
    def __init__(self, *, message_content: bool = True, members: bool = False) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        intents.members = members
        super().__init__(
            command_prefix=commands.when_mentioned_or("!"), intents=intents, help_command=None
        )

    async def setup_hook(self) -> None:
        await self.add_cog(Tiny())
        await self.tree.sync()


@pytest.fixture
async def run() -> AsyncIterator[BotRun]:
    async with running_bot(TinyBot) as running:
        yield running


# ----- connection and sync ---------------------------------------------------------------
async def test_bot_connects_and_becomes_ready(run: BotRun) -> None:
    assert run.bot.is_ready()
    assert run.bot.user is not None and run.bot.user.id == BOT_USER_ID
    assert {g.id for g in run.bot.guilds} == {GUILD_ID, OTHER_GUILD_ID}
    assert run.discord.requests_log[0].path == "/users/@me"
    assert [c.started_with for c in run.discord.gateway.connections] == ["identify"]


async def test_command_sync_payload_is_captured(run: BotRun) -> None:
    commands_by_name = {c["name"]: c for c in run.discord.synced_commands[None]}
    assert {"review", "secret", "vote", "slow", "admin", "read"} <= set(commands_by_name)
    title = commands_by_name["review"]["options"][0]
    assert (title["name"], title["autocomplete"], title["required"]) == ("title", True, True)
    mode = commands_by_name["slow"]["options"][0]
    assert [c["value"] for c in mode["choices"]] == ["followup", "edit"]
    assert commands_by_name["admin"]["default_member_permissions"] == str(MANAGE_GUILD)
    assert commands_by_name["admin"]["options"][0]["type"] == 1
    assert all(c["id"].isdigit() for c in commands_by_name.values())


# ----- slash commands --------------------------------------------------------------------
async def test_slash_reply_carries_embed_and_allowed_mentions(run: BotRun) -> None:
    result = await run.discord.slash("review", {"title": "Heat"})
    assert result.callback_type == 4
    assert result.message.embed()["title"] == "Heat"
    assert result.message.content == f"For <@{MEMBER_ID}>"
    assert result.message.allowed_mentions == {"parse": []}
    assert not result.message.pings().anyone


async def test_ephemeral_reply_is_flagged(run: BotRun) -> None:
    secret = await run.discord.slash("secret")
    public = await run.discord.slash("review", {"title": "Thief"})
    assert secret.ephemeral and secret.message.content == "psst"
    assert not public.ephemeral


async def test_autocomplete_returns_choices(run: BotRun) -> None:
    choices = await run.discord.autocomplete("review", {"title": "hea"}, focused="title")
    assert [c["value"] for c in choices] == ["Heat", "Heathers"]


async def test_unknown_option_is_refused_like_discord_client(run: BotRun) -> None:
    with pytest.raises(LoopbackUsageError, match="unknown option"):
        await run.discord.slash("review", {"film": "Heat"})
    with pytest.raises(LoopbackUsageError, match="must be one of"):
        await run.discord.slash("slow", {"mode": "shout"})


async def test_permission_check_reads_interaction_member_permissions(run: BotRun) -> None:
    allowed = await run.discord.slash("modonly", user=MODERATOR_ID)
    refused = await run.discord.slash("modonly", user=MEMBER_ID)
    assert allowed.message.content == "ok"
    assert refused.ephemeral and refused.message.content == "You can't do that."


async def test_default_member_permissions_hide_subcommand_group(run: BotRun) -> None:
    assert not run.discord.can_use_command("admin", user=MEMBER_ID)
    with pytest.raises(LoopbackUsageError, match="hidden"):
        await run.discord.slash("admin purge", user=MEMBER_ID)
    result = await run.discord.slash("admin purge", user=MODERATOR_ID)
    assert result.message.content == "purged"
    assert result.payload["data"]["options"] == [{"name": "purge", "type": 1, "options": []}]


async def test_followup_after_reply_can_be_awaited(run: BotRun) -> None:
    result = await run.discord.slash("twice")
    followup = await result.wait_for_followup()
    assert (result.message.content, followup.content) == ("one", "two")
    assert followup.ephemeral and not result.ephemeral


async def test_commands_work_in_dms_and_other_guilds(run: BotRun) -> None:
    in_dm = await run.discord.slash("secret", dm=True)
    elsewhere = await run.discord.slash("modonly", guild=OTHER_GUILD_ID, user=MODERATOR_ID)
    assert in_dm.payload["context"] == 1 and in_dm.message.content == "psst"
    assert elsewhere.message.content == "You can't do that."  # a moderator only in 1001


async def test_prefix_command_in_dm_is_answered_in_dm(run: BotRun) -> None:
    replies = await run.discord.send_message("!ping", dm=True)
    assert [r.content for r in replies] == ["pong"]
    assert replies[0].guild_id is None and replies[0].channel_id == replies.prompt.channel_id


async def test_the_bot_opens_a_dm_channel_and_messages_there_are_the_users_dms(
    run: BotRun,
) -> None:
    channel = await run.bot.create_dm(discord.Object(MEMBER_ID))
    await channel.send("psst", allowed_mentions=discord.AllowedMentions.none())

    assert isinstance(channel, discord.DMChannel)
    assert channel.recipient is not None and channel.recipient.id == MEMBER_ID
    [opened] = run.discord.requests("POST", "/users/@me/channels")
    assert opened.json == {"recipient_id": MEMBER_ID} and opened.status == 200
    [dm] = run.dms(MEMBER_ID)
    assert (dm.content, dm.channel_id, dm.guild_id) == ("psst", channel.id, None)
    assert run.dms(MODERATOR_ID) == []


async def test_a_user_who_refuses_dms_gets_none_and_the_bot_hears_50007(run: BotRun) -> None:
    run.discord.refuse_dms(MEMBER_ID)
    stranger = run.discord.add_user(9999, "stranger")  # shares no server with the bot

    for user_id in (MEMBER_ID, stranger.id):
        channel = await run.bot.create_dm(discord.Object(user_id))
        with pytest.raises(discord.Forbidden) as refused:
            await channel.send("psst")
        assert refused.value.code == 50007
        assert refused.value.text == "Cannot send messages to this user"
        assert run.dms(user_id) == []
        assert [a.status for a in run.dm_attempts(user_id)] == [403]


# ----- components and modals ---------------------------------------------------------------
async def test_button_click_edits_message(run: BotRun) -> None:
    vote = await run.discord.slash("vote")
    assert [b["label"] for b in vote.message.buttons()] == ["Approve", "Reject"]
    click = await run.discord.click(vote.message, label="Approve")
    assert click.callback_type == 7
    assert vote.message.content == "Approved by member"
    assert vote.message.components == []


async def test_button_click_by_someone_else_is_refused(run: BotRun) -> None:
    vote = await run.discord.slash("vote")
    click = await run.discord.click(vote.message, "vote:yes", user=MODERATOR_ID)
    assert click.callback_type == 4 and click.ephemeral
    assert click.message.content == "This vote is not yours."
    assert vote.message.content == "Vote?" and vote.message.buttons()


async def test_removed_button_cannot_be_clicked_again(run: BotRun) -> None:
    vote = await run.discord.slash("vote")
    await run.discord.click(vote.message, "vote:no")
    with pytest.raises(LoopbackUsageError, match="no component"):
        await run.discord.click(vote.message, "vote:yes")


async def test_deferred_component_update_then_edit(run: BotRun) -> None:
    sent = await run.discord.slash("refresh")
    click = await run.discord.click(sent.message, label="Refresh")
    assert click.callback_type == 6
    edited = await click.wait_for_edit()
    assert edited is sent.message and edited.content == "Refreshed"


async def test_select_menu_edits_message(run: BotRun) -> None:
    pick = await run.discord.slash("pick")
    assert pick.message.select_menus()[0]["custom_id"] == "genre"
    chosen = await run.discord.select(pick.message, "genre", ["crime"])
    assert chosen.callback_type == 7
    assert pick.message.content == "Picked crime"


async def test_modal_opens_and_submits(run: BotRun) -> None:
    opened = await run.discord.slash("feedback")
    assert opened.callback_type == 9
    assert opened.modal.title == "Feedback"
    assert [f["custom_id"] for f in opened.modal.text_inputs()] == ["comment", "rating"]
    submitted = await run.discord.submit_modal(opened.modal, {"comment": "Great", "Rating": "9"})
    assert submitted.message.content == "Thanks: Great (9)"
    assert submitted.ephemeral


async def test_modal_required_field_is_enforced(run: BotRun) -> None:
    opened = await run.discord.slash("feedback")
    with pytest.raises(LoopbackUsageError, match="required"):
        await run.discord.submit_modal(opened.modal, {"rating": "9"})


# ----- deferred answers ----------------------------------------------------------------------
async def test_deferred_answer_filled_by_followup(run: BotRun) -> None:
    result = await run.discord.slash("slow")
    assert result.deferred and result.callback_type == 5
    assert result.message.content == "done"
    assert not result.message.loading
    assert result.followups == [result.message]


async def test_deferred_answer_filled_by_editing_original(run: BotRun) -> None:
    result = await run.discord.slash("slow", {"mode": "edit"})
    assert result.deferred
    assert result.message.content == "edited"
    assert result.followups == [] and len(result.edits) == 1


async def test_unanswered_interaction_fails_clearly(run: BotRun) -> None:
    with pytest.raises(LoopbackTimeout, match="never answered"):
        await run.discord.slash("silent", within=0.3)


async def test_oversized_message_is_rejected_like_discord(run: BotRun) -> None:
    with pytest.raises(LoopbackTimeout, match="rejected callbacks"):
        await run.discord.slash("huge", within=0.3)
    assert any("50035" in e or "2000 or fewer" in e for e in run.take_errors())


# ----- messages ------------------------------------------------------------------------------
async def test_prefix_command_replies_to_message(run: BotRun) -> None:
    replies = await run.discord.send_message("!ping")
    assert [r.content for r in replies] == ["pong"]
    assert replies[0].message_reference is not None
    assert replies[0].message_reference["message_id"] == str(replies.prompt.id)
    assert replies[0].channel_id == CHANNEL_ID


async def test_hybrid_command_runs_as_prefix_command(run: BotRun) -> None:
    replies = await run.discord.send_message("!review Heat")
    assert replies[0].embed()["title"] == "Heat"


async def test_allowed_mentions_decide_who_is_pinged(run: BotRun) -> None:
    replies = await run.discord.send_message("!announce")
    assert replies[0].allowed_mentions is not None
    assert replies[0].allowed_mentions["users"] == [MEMBER_ID]
    assert replies[0].pings().users == {MEMBER_ID}


async def test_mention_invokes_command_without_message_content_intent() -> None:
    async with running_bot(lambda: TinyBot(message_content=False)) as run:
        ignored = await run.discord.send_message("!ping", expect_reply=False)
        answered = await run.discord.send_message("ping", mentions_bot=True)
    assert list(ignored) == []
    assert [r.content for r in answered] == ["pong"]


# ----- failures Discord produces -------------------------------------------------------------
async def test_rate_limited_callback_is_retried(run: BotRun) -> None:
    run.discord.fail_next("POST", "/interactions/*/*/callback", 429, retry_after=0.1)
    result = await run.discord.slash("secret")
    assert result.message.content == "psst"
    statuses = [r.status for r in run.discord.requests("POST") if "callback" in r.path]
    assert statuses == [429, 200]


async def test_rate_limited_channel_message_is_retried(run: BotRun) -> None:
    run.discord.fail_next("POST", "/channels/{id}/messages", 429, retry_after=0.1)
    replies = await run.discord.send_message("!ping")
    assert [r.content for r in replies] == ["pong"]
    posts = [r for r in run.discord.requests("POST") if r.path.endswith("/messages")]
    assert [r.status for r in posts] == [429, 200]


async def test_server_error_once_is_retried_by_discord_py(run: BotRun) -> None:
    # discord.py retries 500/502/504/524 after a 1 s back-off, inside Discord's 3 s.
    run.discord.fail_next("POST", "/interactions/*/*/callback", 500)
    result = await run.discord.slash("secret")
    assert result.message.content == "psst"
    assert [r.status for r in run.discord.requests("POST")] == [500, 200]


async def test_service_unavailable_is_not_retried(run: BotRun) -> None:
    run.discord.fail_next("POST", "/channels/{id}/messages", 503)
    replies = await run.discord.send_message("!ping", expect_reply=False)
    assert list(replies) == []
    assert any("503" in e for e in run.take_errors())


async def test_late_acknowledgement_is_unknown_interaction() -> None:
    stand_in = default_stand_in(interaction_deadline=0.0)
    async with running_bot(TinyBot, stand_in=stand_in) as run:
        with pytest.raises(LoopbackTimeout, match="10062"):
            await run.discord.slash("secret", within=0.5)
        assert any("Unknown interaction" in e for e in run.take_errors())


# ----- gateway disruption --------------------------------------------------------------------
async def test_gateway_drop_resumes_and_bot_still_answers(run: BotRun) -> None:
    await run.discord.drop_gateway(resume=True)
    last = run.discord.gateway.connections[-1]
    assert (last.path, last.started_with) == ("/gateway-resume", "resume")
    result = await run.discord.slash("secret")
    assert result.message.content == "psst"


async def test_events_missed_while_disconnected_are_replayed(run: BotRun) -> None:
    await run.discord.drop_gateway(resume=True, wait=False)
    pending = await run.discord.slash("secret", wait=False)
    await pending.feed.wait_until(
        lambda: pending.answered, within=5, describe=lambda: "missed interaction never replayed"
    )
    assert pending.message.content == "psst"
    assert run.discord.gateway.resume_count == 1


async def test_invalid_session_forces_new_identify(run: BotRun) -> None:
    await run.discord.drop_gateway(resume=False)
    assert run.discord.gateway.identify_count == 2
    result = await run.discord.slash("secret")
    assert result.message.content == "psst"


async def test_world_changes_reach_the_bot_after_sync_guild(run: BotRun) -> None:
    run.discord.add_channel(GUILD_ID, 2099, "late-channel")
    await run.discord.sync_guild(GUILD_ID)
    assert run.bot.get_channel(2099) is not None
    result = await run.discord.slash("secret", channel=2099)
    assert result.message.channel_id == 2099


async def test_member_query_is_answered_with_a_chunk() -> None:
    async with running_bot(lambda: TinyBot(members=True)) as run:
        guild = run.bot.get_guild(GUILD_ID)
        assert guild is not None and guild.chunked
        found = await guild.query_members(user_ids=[MODERATOR_ID])
    assert [m.id for m in found] == [MODERATOR_ID]
    assert found[0].guild_permissions.manage_guild


# ----- routes and files ----------------------------------------------------------------------
async def test_unknown_route_fails_the_run_loudly() -> None:
    with pytest.raises(AssertionError, match="routes the stand-in does not know"):
        async with running_bot(TinyBot) as run:
            result = await run.discord.slash("invite")
            assert result.message.content == "no invite"
            assert run.discord.unknown_routes == [f"POST /channels/{CHANNEL_ID}/invites"]


async def test_bot_file_upload_is_recorded_from_multipart(run: BotRun) -> None:
    result = await run.discord.slash("upload")
    assert result.message.attachments == {"hello.txt": b"hello file"}
    callback = run.discord.requests("POST", "/interactions/{interaction_id}/{token}/callback")[0]
    assert callback.files == {"hello.txt": b"hello file"}
    assert callback.json["data"]["attachments"][0]["filename"] == "hello.txt"


async def test_attachment_option_is_served_to_the_bot(run: BotRun) -> None:
    upload = LoopbackFile("notes.txt", b"five stars", "text/plain")
    result = await run.discord.slash("read", {"file": upload})
    assert result.message.content == "notes.txt: five stars"
