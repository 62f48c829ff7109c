"""The reply policy: what a member reads when something fails, in one place for every layer.

User mistakes get a short explanation. An operator fault (bot/faults.py) is logged
with an id and the member gets a plain sentence quoting that id; anything unexpected
is logged with an id and its traceback, and the member gets an apology quoting that
id. Never a stack trace, a file path or a raw database error.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.faults import CATALOG_UNAVAILABLE, CatalogUnavailable, OperatorFault, new_error_id
from bot.member_errors import UserError

log = logging.getLogger(__name__)


def _unwrap(error: BaseException) -> BaseException:
    """Commands wrap what they raise; the member should hear about the cause."""
    while isinstance(
        error,
        commands.HybridCommandError | commands.CommandInvokeError | app_commands.CommandInvokeError,
    ):
        error = error.original
    return error


def user_message(error: BaseException) -> str | None:
    """The explanation for an error the member can act on, or ``None`` if it is a bug."""
    error = _unwrap(error)
    if isinstance(error, UserError):  # validation, import and store errors among them
        return str(error)
    if isinstance(error, commands.CommandOnCooldown | app_commands.CommandOnCooldown):
        return cooldown_message(error.retry_after)
    if isinstance(error, commands.BadFlagArgument):
        reason = user_message(error.original) or "that value doesn't fit"
        return f"`{error.flag.name}`: {reason}"
    if isinstance(error, commands.RangeError) and None not in (error.minimum, error.maximum):
        low, high, value = (f"{number:g}" for number in (error.minimum, error.maximum, error.value))
        return f"must be between {low} and {high}, got {value}."
    if isinstance(error, commands.MissingRequiredArgument):
        return f"Missing `{error.param.name}`: add it after the command's name."
    if isinstance(error, commands.BadArgument | commands.TooManyArguments):
        return f"I couldn't read that: {error}"
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't read `{error.value}` as {error.type.name.lower()}."
    if isinstance(error, commands.NoPrivateMessage | app_commands.NoPrivateMessage):
        return "That only works inside a server."
    if isinstance(
        error,
        commands.MissingPermissions
        | app_commands.MissingPermissions
        | commands.CheckFailure
        | app_commands.CheckFailure,
    ):  # NotModerator and NotOwner (bot/permissions.py) among them
        return str(error) or "You can't use that here."
    if isinstance(error, commands.BotMissingPermissions | app_commands.BotMissingPermissions):
        return f"I'm missing permissions here: {', '.join(error.missing_permissions)}."
    return None


MESSAGE_LIMIT = 2000  # Discord refuses longer message content


def fit_message(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def cooldown_message(retry_after: float) -> str:
    return f"Slow down a little: try again in {max(1, math.ceil(retry_after))}s."


def report_unexpected(error: BaseException, context: str) -> str:
    """Log the failure with an id a moderator can quote; returns the apology."""
    error_id = new_error_id()
    log.error("unexpected error %s in %s", error_id, context, exc_info=_unwrap(error))
    return (
        f"Sorry, something went wrong on my side (error id `{error_id}`). "
        "It has been logged; please try again in a moment."
    )


def report_fault(fault: OperatorFault, context: str) -> str:
    """Log an operator fault with an id; returns the plain sentence the member reads.

    The fault's own text (a file path, say) is for the operator and goes to the log
    only; it is a diagnosis, so no traceback comes with it. An outage is logged by
    its :class:`~bot.faults.Outage`, once, not here at every request it refuses.
    """
    if isinstance(fault, CatalogUnavailable):
        return CATALOG_UNAVAILABLE
    error_id = new_error_id()
    log.error("operator fault %s in %s: %s", error_id, context, fault)
    return (
        f"Sorry, I can't do that right now: the bot's setup needs fixing by whoever runs it "
        f"(error id `{error_id}`). Please let them know."
    )


def explain(error: BaseException, context: str) -> str:
    """What the member reads about ``error``; faults and bugs are logged with an id."""
    cause = _unwrap(error)
    if isinstance(cause, OperatorFault):
        return report_fault(cause, context)
    return user_message(error) or report_unexpected(error, context)


async def reply_with_error(ctx: commands.Context[Any], error: BaseException, context: str) -> None:
    """Answer a failed command: privately for slash commands, as a reply for text ones."""
    text = fit_message(explain(error, context))
    if ctx.interaction is not None:
        await send_ephemeral(ctx.interaction, text)
    else:
        await ctx.reply(text, mention_author=False)


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Reply privately whether or not the interaction has been answered already."""
    text = fit_message(text)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id)
