"""Discord's own limits on what a bot may send.

Discord rejects oversized embeds, too many buttons or an empty message with HTTP 400
(code 50035 "Invalid Form Body"); a stand-in that accepted them would let tests pass for
a bot that fails in production. Each check returns ``(path, message)`` problems; the
REST layer turns them into Discord's nested error body so discord.py raises the same
``HTTPException`` it would against the real API.
"""

from __future__ import annotations

import re
from typing import Any

from standin.records import iter_components
from standin.world import JSON

Problem = tuple[str, str]

COMPONENTS_V2_FLAG = 1 << 15
_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")

_EMBED_LIMITS = {"title": 256, "description": 4096}
_EMBED_TOTAL = 6000


def _too_long(path: str, value: Any, limit: int) -> list[Problem]:
    if isinstance(value, str) and len(value) > limit:
        return [(path, f"Must be {limit} or fewer in length.")]
    return []


def check_message(body: JSON, *, creating: bool, has_files: bool = False) -> list[Problem]:
    """Problems with a message create/edit body (content, embeds, components, mentions)."""
    problems = _too_long("content", body.get("content"), 2000)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append(("embeds", "Must be 10 or fewer in length."))
    total = 0
    for index, embed in enumerate(embeds):
        embed_problems, size = _check_embed(f"embeds.{index}", embed)
        problems += embed_problems
        total += size
    if total > _EMBED_TOTAL:
        problems.append(("embeds", f"Embed size exceeds maximum size of {_EMBED_TOTAL}"))
    problems += _check_components(body.get("components") or [], int(body.get("flags") or 0))
    problems += _check_allowed_mentions(body.get("allowed_mentions"))
    if creating and not _has_body(body, has_files):
        problems.append(("content", "Cannot send an empty message"))
    return problems


def _has_body(body: JSON, has_files: bool) -> bool:
    keys = ("content", "embeds", "components", "sticker_ids", "poll")
    return has_files or any(body.get(k) for k in keys)


def _check_embed(path: str, embed: JSON) -> tuple[list[Problem], int]:
    problems: list[Problem] = []
    size = 0
    for key, limit in _EMBED_LIMITS.items():
        problems += _too_long(f"{path}.{key}", embed.get(key), limit)
        size += len(embed.get(key) or "")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        problems.append((f"{path}.fields", "Must be 25 or fewer in length."))
    for index, fld in enumerate(fields):
        for key, limit in (("name", 256), ("value", 1024)):
            value = fld.get(key)
            if not value:
                problems.append((f"{path}.fields.{index}.{key}", "This field is required"))
            problems += _too_long(f"{path}.fields.{index}.{key}", value, limit)
            size += len(value or "")
    footer, author = embed.get("footer") or {}, embed.get("author") or {}
    problems += _too_long(f"{path}.footer.text", footer.get("text"), 2048)
    problems += _too_long(f"{path}.author.name", author.get("name"), 256)
    size += len(footer.get("text") or "") + len(author.get("name") or "")
    return problems, size


def _check_components(components: list[JSON], flags: int) -> list[Problem]:
    problems: list[Problem] = []
    if not flags & COMPONENTS_V2_FLAG and len(components) > 5:
        problems.append(("components", "Must be 5 or fewer in length."))
    seen: set[str] = set()
    for index, component in enumerate(iter_components(components)):
        path = f"components.{index}"
        custom_id = component.get("custom_id")
        if custom_id is not None:
            problems += _too_long(f"{path}.custom_id", custom_id, 100)
            if custom_id in seen:
                problems.append((f"{path}.custom_id", "Component custom id cannot be duplicated"))
            seen.add(custom_id)
        problems += _check_component(path, component)
    return problems


def _check_component(path: str, component: JSON) -> list[Problem]:
    kind = component.get("type")
    if kind == 1:
        children = component.get("components") or []
        selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
        if len(children) > 5 or (selects and len(children) > 1):
            return [(f"{path}.components", "The specified component exceeds the maximum width")]
    if kind == 2:
        return _too_long(f"{path}.label", component.get("label"), 80)
    if kind == 3:
        options = component.get("options") or []
        problems = (
            []
            if 1 <= len(options) <= 25
            else [(f"{path}.options", "Must be between 1 and 25 in length.")]
        )
        for i, option in enumerate(options):
            problems += _too_long(f"{path}.options.{i}.label", option.get("label"), 100)
            problems += _too_long(f"{path}.options.{i}.value", option.get("value"), 100)
        return problems
    return []


def _check_allowed_mentions(rules: JSON | None) -> list[Problem]:
    if not rules:
        return []
    parse = set(rules.get("parse") or [])
    problems: list[Problem] = []
    for kind in ("users", "roles"):
        if kind in parse and rules.get(kind):
            problems.append(
                (f"allowed_mentions.{kind}", f'Mutually exclusive with "{kind}" in parse')
            )
    return problems


def check_choices(choices: list[JSON]) -> list[Problem]:
    """Problems with an autocomplete answer (callback type 8)."""
    problems: list[Problem] = []
    if len(choices) > 25:
        problems.append(("data.choices", "Must be 25 or fewer in length."))
    for index, choice in enumerate(choices):
        name = choice.get("name") or ""
        if not 1 <= len(name) <= 100:
            problems.append((f"data.choices.{index}.name", "Must be between 1 and 100 in length."))
        problems += _too_long(f"data.choices.{index}.value", choice.get("value"), 100)
    return problems


def check_modal(data: JSON) -> list[Problem]:
    """Problems with a modal (callback type 9)."""
    problems = _too_long("data.title", data.get("title"), 45)
    problems += _too_long("data.custom_id", data.get("custom_id"), 100)
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        problems.append(("data.components", "Must be between 1 and 5 in length."))
    return problems


def check_commands(commands: list[JSON]) -> list[Problem]:
    """Problems with a bulk command overwrite (names, descriptions, option order)."""
    problems: list[Problem] = []
    if len(commands) > 100:
        problems.append(("", "Must be 100 or fewer in length."))
    for index, command in enumerate(commands):
        problems += _check_command(str(index), command)
    return problems


def _check_command(path: str, command: JSON) -> list[Problem]:
    name = str(command.get("name", ""))
    problems: list[Problem] = []
    if command.get("type", 1) == 1 and (not _COMMAND_NAME.match(name) or name != name.lower()):
        problems.append((f"{path}.name", f"Command name is invalid: {name!r}"))
    description = command.get("description", "")
    if command.get("type", 1) == 1 and not 1 <= len(description) <= 100:
        problems.append((f"{path}.description", "Must be between 1 and 100 in length."))
    options = command.get("options") or []
    if len(options) > 25:
        problems.append((f"{path}.options", "Must be 25 or fewer in length."))
    optional_seen = False
    for i, option in enumerate(options):
        if option.get("type") in (1, 2):
            problems += _check_command(f"{path}.options.{i}", option)
            continue
        if option.get("required") and optional_seen:
            problems.append(
                (
                    f"{path}.options.{i}",
                    "Required options must be placed before non-required options",
                )
            )
        optional_seen |= not option.get("required")
        if len(option.get("choices") or []) > 25:
            problems.append((f"{path}.options.{i}.choices", "Must be 25 or fewer in length."))
    return problems


def error_body(problems: list[Problem]) -> JSON:
    """Discord's nested 50035 body, which discord.py flattens into its error text."""
    errors: JSON = {}
    for path, message in problems:
        node = errors
        for part in [p for p in path.split(".") if p]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "INVALID", "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}
