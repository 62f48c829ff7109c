"""``LOG_FORMAT=json``: one JSON object per log line, for log collectors.

Each line has ``time`` (UTC, ISO 8601, milliseconds), ``level``, ``logger`` and
``message``; ``error_id``, ``shard`` and ``guild`` when the call passed them with
``extra=`` (``log.error("...", extra={"error_id": error_id})``), so an error id a
member quotes finds its line; ``exception`` with the traceback when there is one.
The default format (``text``) stays discord.py's, for people.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Context a call may attach with extra=: ids only, never a member's words.
CONTEXT_FIELDS = ("error_id", "shard", "guild")


class JsonLogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, Any] = {
            "time": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # default=str: an id object that is not a JSON type still makes a line, not an error.
        return json.dumps(line, ensure_ascii=False, default=str)
