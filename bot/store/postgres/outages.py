"""When PostgreSQL is out of reach, as asyncpg tells it, and what a request then raises.

Stopped, restarting, refusing connections, or having cut this process's connections
(``pg_terminate_backend``, a failover): every request then fails until it is back,
and none of it is a bug or the member's doing. :func:`reaching` turns those errors
into the catalog's :class:`~bot.faults.Outage` fault (logged once per outage, a plain
sentence for the member) and marks the outage over at the next answer. An error
about the statement itself (a syntax error, a constraint) passes through untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from bot.faults import Outage

# Raised when the server or the connection to it is gone, whatever the statement was.
OUT_OF_REACH: tuple[type[Exception], ...] = (
    OSError,  # refused, reset, unreachable, timed out
    asyncpg.PostgresConnectionError,  # class 08: the connection does not exist, failed
    asyncpg.exceptions.OperatorInterventionError,  # 57P: shutting down, terminated
    asyncpg.exceptions.InsufficientResourcesError,  # 53: disk full, too many connections
    # asyncpg's protocol caught mid-operation by a terminated connection ("cannot switch
    # to state 12; another operation (2) is in progress"): never a statement's fault.
    asyncpg.exceptions.InternalClientError,
)


def is_out_of_reach(error: BaseException) -> bool:
    if isinstance(error, OUT_OF_REACH):
        return True
    # The one InterfaceError that is about the server, not about how it was called.
    return isinstance(error, asyncpg.InterfaceError) and str(error) == "connection is closed"


@contextmanager
def reaching(outage: Outage) -> Iterator[None]:
    """Raise ``outage``'s fault for an error that says PostgreSQL is out of reach;
    and, when the block succeeds, mark the outage over."""
    try:
        yield
    except (*OUT_OF_REACH, asyncpg.InterfaceError) as error:
        if not is_out_of_reach(error):
            raise
        raise outage.fault(error) from error
    outage.over()
