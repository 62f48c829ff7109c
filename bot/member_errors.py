"""The one base class for errors whose text is meant for the person who caused them.

It sits below every module that raises such errors (models, importers, store,
cogs), so the reply policy in bot/replies.py recognises all of them by this
base alone, without importing the modules that raise them. It imports nothing,
so the command line never pays for discord.py to raise one.

Refusals by permission (:class:`bot.permissions.NotModerator`,
:class:`bot.permissions.NotOwner`) are member-facing too, but they live with the
checks that raise them: discord.py only answers a check's failure if it is one of
its own ``CheckFailure``s. Problems only the operator can fix are not here at all:
they are :class:`bot.faults.OperatorFault`s.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with what the member asked for; its text is shown to them as is."""
