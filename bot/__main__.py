"""``python -m bot`` and the ``reviewbot`` command.

The modules load inside :func:`main`, so Ctrl-C while they load (a second or more on a
busy machine) ends the command as quietly as Ctrl-C once it runs.
"""

import sys


def main() -> int:
    try:
        from bot.cli import main as run
    except KeyboardInterrupt:
        return 130
    return run()


if __name__ == "__main__":
    sys.exit(main())
