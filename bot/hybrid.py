"""``hybrid_command`` with a signature strict mypy can check.

discord.py annotates its ``commands.hybrid_command`` as taking a union of two callback
shapes (with or without the cog as first argument). mypy cannot solve the type
variables of that union when the decorator is applied, so every use is an error. Our
commands are always cog methods, so this decorator declares that one shape; the
command it builds is exactly the one discord.py's decorator builds.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from discord.ext import commands

CogT = TypeVar("CogT", bound=commands.Cog)
P = ParamSpec("P")
T = TypeVar("T")

# A cog method handling a command: (self, ctx, *options) -> coroutine. The context is
# Context[Any] because discord.py calls callbacks with whatever bot it is running.
CogCallback = Callable[Concatenate[CogT, commands.Context[Any], P], Coroutine[Any, Any, T]]


def hybrid_command(
    name: str, *, description: str
) -> Callable[[CogCallback[CogT, P, T]], commands.HybridCommand[CogT, P, T]]:
    """A slash command that also answers as a prefix command, e.g. ``/review`` and ``!review``."""

    def decorate(callback: CogCallback[CogT, P, T]) -> commands.HybridCommand[CogT, P, T]:
        return commands.HybridCommand(callback, name=name, description=description)

    return decorate
