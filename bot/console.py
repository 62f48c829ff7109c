"""``reviewbot console``: the real bot in a terminal, with no Discord account.

It starts the loopback Discord (the same stand-in the end-to-end tests use),
connects the real bot to it, and lets you type what a member would:
``/review all of us strangrs``, ``/random min_score:8``, ``!review heat``,
``@bot heat``. Buttons and menu options are numbered; type a number to press one.
``/app "Find review" <message text>`` posts that text and uses the message's
Apps menu on it.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, InMemoryHistory
from rich.console import Console
from rich.text import Text

from bot.client import create_bot
from bot.config import Settings
from bot.ratelimit import LOOKUP_RATE
from bot.render import render_message
from standin import (
    InteractionResult,
    LoopbackDiscord,
    LoopbackError,
    LoopbackFile,
    ModalSent,
    SentMessage,
    default_stand_in,
    synced_against,
)
from standin.defaults import APPLICATION_ID, MEMBER_ID, MODERATOR_ID

HELP = (
    "Type what a member would: /review all of us strangrs · /random min_score:8 genre:Drama · "
    '!review heat · @bot heat · /app "Find review" has anyone seen heat? '
    "A number presses that button or menu option. /help lists the bot's commands; "
    "quit (or Ctrl-D) leaves. Like on Discord, a member may look up "
    f"{LOOKUP_RATE[0]} titles per {LOOKUP_RATE[1]:g} seconds."
)
DISABLED = "That button is disabled."
OPTION = re.compile(r"(?:^|\s)([a-z_]+):")
APP = re.compile(r'^app\s+(?:"(?P<quoted>[^"]+)"|(?P<bare>\S+))\s*(?P<text>.*)$', re.DOTALL)
SUBCOMMAND, GROUP = 1, 2
INTEGER, BOOLEAN, NUMBER, ATTACHMENT = 4, 5, 10, 11
TRUE_WORDS = {"true", "yes", "y", "1", "on"}

Ask = Callable[[str], Awaitable[str]]


class ConsoleError(Exception):
    """Something the person typed cannot be sent; shown as one line, the session goes on."""


@dataclass
class ConsoleSession:
    """Turns typed lines into Discord events and prints what the bot answers."""

    discord: LoopbackDiscord
    user_id: int
    out: Console
    save_dir: Path | None = None
    numbering: dict[int, tuple[SentMessage, str]] = field(default_factory=dict)

    def commands(self) -> dict[str, dict[str, Any]]:
        return {command["name"]: command for command in self.discord.synced_commands.get(None, [])}

    async def handle(self, line: str, ask: Ask) -> None:
        line = line.strip()
        if not line or line.startswith("#"):
            return
        try:
            if line.isdigit():
                await self._press(int(line), ask)
            elif line == "help":
                self.out.print(Text(HELP, style="dim"))
            elif line.startswith("/app"):
                await self._app(line[1:], ask)
            elif line.startswith("/"):
                await self._slash(line[1:], ask)
            elif line.startswith("@bot"):
                replies = await self.discord.send_message(
                    line[4:].strip(), user=self.user_id, mentions_bot=True
                )
                self._show_replies(replies)
            else:
                self._show_replies(await self.discord.send_message(line, user=self.user_id))
        except (ConsoleError, LoopbackError, AssertionError) as error:
            self.out.print(Text(f"! {error}", style="red"))

    # -- commands ------------------------------------------------------------------

    async def _app(self, text: str, ask: Ask) -> None:
        """``app "Find review" <text>``: a member posts ``text``; we use Apps → name on it."""
        found = APP.match(text)
        if found is None or not found["text"].strip():
            raise ConsoleError('write it as: /app "Find review" <message text>')
        name = found["quoted"] or found["bare"]
        said = await self.discord.send_message(
            found["text"].strip(), user=self.user_id, expect_reply=False, quiet_period=0.05
        )
        result = await self.discord.message_command(name, said.prompt, user=self.user_id)
        await self._show_result(result, ask)

    async def _slash(self, text: str, ask: Ask) -> None:
        name, _, rest = text.partition(" ")
        command = self.commands().get(name)
        if command is None:
            raise ConsoleError(f"no command /{name}; /help lists them")
        path, options = [name], command.get("options", [])
        if options and options[0]["type"] in (SUBCOMMAND, GROUP):
            sub, _, rest = rest.strip().partition(" ")
            chosen = next((o for o in options if o["name"] == sub), None)
            if chosen is None:
                names = ", ".join(o["name"] for o in options)
                raise ConsoleError(f"/{name} needs one of: {names}")
            path.append(sub)
            options = chosen.get("options", [])
        values = parse_options(rest, options)
        result = await self.discord.slash(" ".join(path), values, user=self.user_id)
        await self._show_result(result, ask)

    async def _press(self, number: int, ask: Ask) -> None:
        if number not in self.numbering:
            raise ConsoleError(f"nothing is numbered {number} on the last reply")
        message, action = self.numbering[number]
        kind, _, rest = action.partition(":")
        if kind == "button" and self.discord.messages[message.id].component(rest).get("disabled"):
            self.out.print(DISABLED)
            return
        if kind == "button":
            result = await self.discord.click(message, rest, user=self.user_id)
        else:
            custom_id, _, value = rest.rpartition(":")
            result = await self.discord.select(message, custom_id, [value], user=self.user_id)
        await self._show_result(result, ask)

    async def _show_result(self, result: InteractionResult, ask: Ask) -> None:
        if 9 in result.callback_types:
            await self._fill_modal(result.modal, ask)
            return
        self.numbering = {}
        for message in answer_messages(result):
            self._show(message)

    async def _fill_modal(self, modal: ModalSent, ask: Ask) -> None:
        self.out.print(Text(f"Form: {modal.title}", style="bold"))
        answers = {}
        for text_input in modal.text_inputs():
            label = text_input.get("label", text_input["custom_id"])
            answers[text_input["custom_id"]] = await ask(f"  {label}: ")
        result = await self.discord.submit_modal(modal, answers, user=self.user_id)
        await self._show_result(result, ask)

    def _show_replies(self, replies: Iterable[SentMessage]) -> None:
        self.numbering = {}
        for reply in replies:
            self._show(reply)

    def _show(self, message: SentMessage) -> None:
        numbers: dict[int, str] = {number: action for number, (_, action) in self.numbering.items()}
        before = set(numbers)
        payload = {
            "content": message.content,
            "embeds": message.embeds,
            "components": message.components,
            "attachments": [
                {"filename": name, "size": len(data)} for name, data in message.attachments.items()
            ],
        }
        render_message(self.out, payload, numbering=numbers, ephemeral=message.ephemeral)
        for number in set(numbers) - before:
            self.numbering[number] = (message, numbers[number])
        self._save(message)
        self.out.print()

    def _save(self, message: SentMessage) -> None:
        if self.save_dir is None:
            return
        for name, data in message.attachments.items():
            # Only the file name: an attachment must not write outside the folder.
            path = self.save_dir / Path(name).name
            path.write_bytes(data)
            self.out.print(Text(f"  saved {path}", style="cyan"))

    async def title_choices(self, line: str) -> list[str]:
        """Autocomplete through the bot itself, for the prompt's tab completion."""
        name, _, typed = line[1:].partition(" ")
        command = self.commands().get(name)
        if command is None or typed.count(":") > 0:
            return []
        first = next((o for o in command.get("options", []) if o.get("autocomplete")), None)
        if first is None:
            return []
        choices = await self.discord.autocomplete(
            name, {first["name"]: typed}, first["name"], user=self.user_id
        )
        return [str(choice["name"]) for choice in choices]


def answer_messages(result: InteractionResult) -> list[SentMessage]:
    """The distinct messages an answer left, each once and in its final state.

    After a "thinking..." defer, Discord turns the first follow-up into the deferred
    message itself, so @original and that follow-up are one message: printing both
    showed the card twice and numbered its buttons twice.
    """
    shown: dict[int, SentMessage] = {}
    if result.callback_types and result.callback_type != 8:  # 8: autocomplete, no message
        shown[result.message.id] = result.message
    for followup in result.followups:
        shown.setdefault(followup.id, followup)
    return list(shown.values())


def parse_options(text: str, definitions: list[dict[str, Any]]) -> dict[str, Any]:
    """``min_score:8 genre:Drama`` by name, or free text for the first text option."""
    text = text.strip()
    by_name = {option["name"]: option for option in definitions}
    if not text:
        return {}
    marks = [m for m in OPTION.finditer(text) if m.group(1) in by_name]
    if not marks:
        first = next((o for o in definitions if o["type"] == 3), None)
        if first is None:
            raise ConsoleError("this command takes name:value options")
        return {first["name"]: text}
    values: dict[str, Any] = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        raw = text[mark.end() : end].strip()
        values[mark.group(1)] = convert(by_name[mark.group(1)], _unquote(raw))
    return values


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return shlex.split(raw)[0]
    return raw


def convert(option: Mapping[str, Any], raw: str) -> Any:
    kind = option["type"]
    try:
        if kind == INTEGER:
            return int(raw)
        if kind == NUMBER:
            return float(raw)
    except ValueError:
        raise ConsoleError(f"{option['name']} must be a number, got {raw!r}") from None
    if kind == BOOLEAN:
        return raw.casefold() in TRUE_WORDS
    if kind == ATTACHMENT:
        path = Path(raw).expanduser()
        if not path.is_file():
            raise ConsoleError(f"{option['name']}: no such file {raw!r}")
        return LoopbackFile(path.name, path.read_bytes())
    return raw


class _TitleCompleter(Completer):
    def __init__(self, session: ConsoleSession) -> None:
        self.session = session

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        return []  # completions come from the bot, asynchronously

    async def get_completions_async(  # type: ignore[override]
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncIterator[Completion]:
        line = document.text_before_cursor
        if not line.startswith("/") or " " not in line:
            for name in self.session.commands():
                if f"/{name}".startswith(line):
                    yield Completion(f"/{name} ", start_position=-len(line))
            return
        typed = line.partition(" ")[2]
        for title in await self.session.title_choices(line):
            yield Completion(title, start_position=-len(typed))


def history_path() -> Path:
    """Outside the repository: ``$XDG_STATE_HOME/reviewbot`` (``~/.local/state`` by default)."""
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "reviewbot" / "console_history"


async def run_console(
    settings: Settings,
    *,
    as_mod: bool,
    script: list[str] | None,
    save_dir: Path | None = None,
) -> int:
    """Run the bot against the loopback Discord and talk to it from this terminal.

    ``script`` lines are run in order instead of prompting (also when stdin is
    not a terminal, so the console can be piped into).
    """
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    # Voice support is irrelevant to this bot; its start-up warnings are noise here.
    logging.getLogger("discord.client").setLevel(logging.ERROR)
    # But loading the sample reviews into an empty database is news to the user.
    logging.getLogger("bot.catalog").setLevel(logging.INFO)
    out = Console(highlight=False, soft_wrap=True)
    stand_in = default_stand_in()
    # A new stand-in knows no commands, so sync even an unchanged tree.
    bot = create_bot(settings, application_id=APPLICATION_ID, force_sync=True)
    async with synced_against(bot, stand_in):
        user = MODERATOR_ID if as_mod else MEMBER_ID
        session = ConsoleSession(stand_in, user, out, save_dir=save_dir)
        if script is not None:
            await _run_lines(session, script)
        elif not sys.stdin.isatty():
            await _run_lines(session, sys.stdin.read().splitlines())
        else:
            await _interactive(session)
    return 0


async def _run_lines(session: ConsoleSession, lines: list[str]) -> None:
    """Script mode: each line is echoed, then answered; form fields take the next lines."""
    queue = iter(lines)

    async def ask(prompt: str) -> str:
        answer = next(queue, "")
        session.out.print(f"{prompt}{answer}")
        return answer

    for line in queue:
        if line.strip() in {"quit", "exit"}:
            break
        if line.strip() and not line.startswith("#"):
            session.out.print(Text(f"> {line}", style="bold cyan"))
        await session.handle(line, ask)


async def _interactive(session: ConsoleSession) -> None:
    session.out.print(Text(HELP, style="dim"))
    history: FileHistory | InMemoryHistory
    try:
        path = history_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        history = FileHistory(str(path))
    except OSError:
        history = InMemoryHistory()
    prompt: PromptSession[str] = PromptSession(
        history=history, completer=_TitleCompleter(session), complete_while_typing=False
    )

    async def ask(text: str) -> str:
        return await prompt.prompt_async(text)

    while True:
        try:
            line = await prompt.prompt_async("reviewbot> ")
        except (EOFError, KeyboardInterrupt):
            return
        if line.strip() in {"quit", "exit"}:
            return
        await session.handle(line, ask)
