"""Keep the bot's long-lived objects out of Python's full garbage collections.

The title index is millions of objects that live as long as the bot, and each full
collection walks every tracked object: while a 58,788-film import ran beside the bot,
single collections held the event loop for up to 0.9 s (``bench/bench_writers.py``
times them with ``gc.callbacks``). Frozen (``gc.freeze``), objects are skipped by
every later collection. Reference counting still frees them when they are dropped;
only a reference cycle that is garbage at the moment of freezing is never reclaimed,
which is why this runs once after start-up and after indexing a large batch of
changes, not at every turn.
"""

from __future__ import annotations

import gc

LARGE_BATCH = 500  # changes applied in one batch after which the new index objects are frozen


def freeze_long_lived() -> None:
    """Leave every object alive now out of later full collections."""
    gc.freeze()


def freeze_startup_heap() -> None:
    """Collect what start-up left behind once, then freeze what it built."""
    gc.collect()
    gc.freeze()
