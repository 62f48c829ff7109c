"""``python -m bot`` and the ``reviewbot`` command.

The modules load inside :func:`main` (a second or more on a busy machine). Nothing is
open yet while they do, so Ctrl-C then ends the process at once, with the status of an
interrupted command and no traceback; once they are loaded the command handles Ctrl-C
itself.
"""

import os
import signal
import sys
from types import FrameType

INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


def main() -> int:
    signal.signal(signal.SIGINT, _exit_at_once)
    from bot.cli import main as run

    signal.signal(signal.SIGINT, signal.default_int_handler)
    return run()


def _exit_at_once(signum: int, frame: FrameType | None) -> None:
    os._exit(INTERRUPTED)


if __name__ == "__main__":
    sys.exit(main())
