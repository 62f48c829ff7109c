"""The one base class for errors whose text is meant for the person who caused them.

It sits below every module that raises such errors (models, importers, store,
cogs), so the error policy in bot/errors.py recognises all of them by this
base alone, without importing the modules that raise them.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with what the member asked for; its text is shown to them as is."""
