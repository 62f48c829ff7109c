"""Show Discord messages in a terminal the way a member would read them.

Works on message payloads (the JSON discord.py sends), so the CLI, the local
console and its tests all render exactly what Discord would have received.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.text import Text

BUTTON_STYLES = {1: "blue", 2: "grey70", 3: "green", 4: "red", 5: "cyan"}
_ESCAPED = re.compile(r"\\([\\*_~`|>#\-\[\]()])")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_TIMESTAMP = re.compile(r"<t:(-?\d{1,13})(?::([tTdDfFR]))?>")
# How Discord shows each timestamp style (en-GB), here in this machine's time zone.
_TIME_STYLES = {
    "t": "%H:%M",
    "T": "%H:%M:%S",
    "d": "%d/%m/%Y",
    "D": "{day} %B %Y",
    "f": "{day} %B %Y %H:%M",
    "F": "%A, {day} %B %Y %H:%M",
    "R": "{day} %B %Y %H:%M",  # relative ("3 days ago") would go stale in a transcript
}


def unescape(text: str) -> str:
    """Undo Discord markdown escaping and drop bold markers, for plain terminal text."""
    return _ESCAPED.sub(r"\1", _BOLD.sub(r"\1", text))


def show_time(moment: datetime, style: str = "f") -> str:
    """A time as Discord shows ``<t:…:style>``, in the local time zone."""
    local = moment.astimezone()
    return local.strftime(_TIME_STYLES[style].replace("{day}", str(local.day)))


def show_times(text: str) -> str:
    """Discord's ``<t:seconds:style>`` tags as the dates a reader would see (Discord
    renders them in message text, embed descriptions and field values, nowhere else)."""

    def shown(match: re.Match[str]) -> str:
        try:
            moment = datetime.fromtimestamp(int(match[1])).astimezone()
        except (OverflowError, OSError, ValueError):  # out of the platform's range
            return match[0]
        return show_time(moment, match[2] or "f")

    return _TIMESTAMP.sub(shown, text)


def _footer(embed: Mapping[str, Any]) -> str:
    """The footer text, then the embed's own timestamp, as Discord puts them side by side."""
    parts = [unescape(embed.get("footer", {}).get("text") or "")]
    if embed.get("timestamp"):
        try:
            parts.append(show_time(datetime.fromisoformat(embed["timestamp"]), "D"))
        except ValueError:
            parts.append(str(embed["timestamp"]))
    return " · ".join(part for part in parts if part)


def _colour(embed: Mapping[str, Any]) -> str:
    value = embed.get("color")
    return f"#{int(value):06x}" if isinstance(value, int) else "grey50"


def embed_lines(embed: Mapping[str, Any]) -> list[Text]:
    lines: list[Text] = []
    if embed.get("title"):
        lines.append(Text(unescape(embed["title"]), style="bold"))
    if embed.get("url"):
        lines.append(Text(embed["url"], style="underline cyan"))
    if embed.get("description"):
        description = show_times(embed["description"])
        lines.extend(Text(unescape(line)) for line in description.split("\n"))
    for field in embed.get("fields", []):
        value = unescape(show_times(field.get("value", "")))
        name = unescape(field.get("name", ""))
        if field.get("inline") and "\n" not in value:
            lines.append(Text.assemble((f"{name}: ", "bold"), value))
        else:
            lines.append(Text(f"{name}:", style="bold"))
            lines.extend(Text("  " + line) for line in value.split("\n"))
    if embed.get("thumbnail", {}).get("url"):
        lines.append(Text(f"poster: {embed['thumbnail']['url']}", style="dim"))
    footer = _footer(embed)
    if footer:
        lines.append(Text(footer, style="dim"))
    return lines


def component_lines(
    components: Sequence[Mapping[str, Any]], numbering: dict[int, str]
) -> list[Text]:
    """Buttons and select options, numbered so a person can pick one by typing its number.

    Link buttons are listed with their URL but not numbered: picking one sends nothing.

    ``numbering`` is filled with number → what picking it means (``button:<custom_id>``
    or ``select:<custom_id>:<value>``).
    """
    lines: list[Text] = []
    for row in components:
        for component in row.get("components", []):
            kind = component.get("type")
            if kind == 2:
                disabled = " (disabled)" if component.get("disabled") else ""
                label = component.get("label") or component.get("emoji", {}).get("name", "")
                style = BUTTON_STYLES.get(component.get("style", 2), "white")
                if component.get("custom_id"):
                    number = len(numbering) + 1
                    numbering[number] = f"button:{component['custom_id']}"
                    lines.append(Text(f"  [{number}] {label}{disabled}", style=style))
                else:  # a link button opens its URL, so there is nothing to pick by number
                    url = component.get("url", "")
                    lines.append(Text(f"  [link] {label} {url}".rstrip() + disabled, style=style))
            elif kind == 3:
                lines.append(Text(f"  {component.get('placeholder') or 'Choose'}:", style="bold"))
                for option in component.get("options", []):
                    number = len(numbering) + 1
                    numbering[number] = f"select:{component['custom_id']}:{option['value']}"
                    lines.append(Text(f"  [{number}] {option['label']}"))
    return lines


def render_message(
    console: Console,
    message: Mapping[str, Any],
    *,
    numbering: dict[int, str] | None = None,
    ephemeral: bool = False,
) -> None:
    if ephemeral:
        console.print(Text("(only you can see this)", style="dim italic"))
    if message.get("content"):
        console.print(Text(unescape(show_times(message["content"]))))
    for embed in message.get("embeds", []):
        bar = Text("▌ ", style=_colour(embed))
        for line in embed_lines(embed):
            console.print(Text.assemble(bar, line))
    for attachment in message.get("attachments", []):
        size = attachment.get("size")
        shown = f" ({size:,} bytes)" if isinstance(size, int) else ""
        console.print(Text(f"📎 {attachment.get('filename', 'file')}{shown}", style="cyan"))
    if message.get("components"):
        for line in component_lines(
            message["components"], numbering if numbering is not None else {}
        ):
            console.print(line)
