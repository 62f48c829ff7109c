"""``reviewbot console``: the real bot in a terminal, with no Discord account.

It starts the loopback Discord (the same stand-in the end-to-end tests use),
connects the real bot to it, and lets you type what a member would:
``/review all of us strangrs``, ``/random min_score:8``, ``!review heat``,
``@bot heat``. Buttons and menu options are numbered; type a number to press one.
``/app "Find review" <message text>`` posts that text and uses the message's
Apps menu on it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shlex
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, InMemoryHistory
from rich.console import Console
from rich.text import Text

from bot.client import ReviewBot, create_bot
from bot.config import Settings
from bot.ratelimit import LOOKUP_RATE
from bot.render import render_message
from bot.validation import elide
from standin import (
    FakeGuild,
    InteractionResult,
    LoopbackDiscord,
    LoopbackError,
    LoopbackFile,
    LoopbackTimeout,
    ModalSent,
    SentMessage,
    default_stand_in,
    synced_against,
)
from standin.defaults import APPLICATION_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID

log = logging.getLogger(__name__)

HELP = (
    "Type what a member would: /review all of us strangrs · /random min_score:8 genre:Drama · "
    '!review heat · @bot heat · /app "Find review" has anyone seen heat? · '
    "/config announce channel: #announcements (as a moderator, --as-mod). "
    "A number presses that button or menu option. /help lists the bot's commands; "
    "quit (or Ctrl-D) leaves. Like on Discord, a member may look up "
    f"{LOOKUP_RATE[0]} titles per {LOOKUP_RATE[1]:g} seconds."
)
DISABLED = "That button is disabled."
OPTION = re.compile(r"(?:^|\s)([a-z_]+):")
APP = re.compile(r'^app\s+(?:"(?P<quoted>[^"]+)"|(?P<bare>\S+))\s*(?P<text>.*)$', re.DOTALL)
# What Discord's client turns a typed mention into, and a bare id.
MENTIONED_ID = {
    "channel": re.compile(r"^(?:<#(\d+)>|(\d+))$"),
    "role": re.compile(r"^(?:<@&(\d+)>|(\d+))$"),
    "member": re.compile(r"^(?:<@!?(\d+)>|(\d+))$"),
}
SUBCOMMAND, GROUP = 1, 2
STRING, INTEGER, BOOLEAN, NUMBER, ATTACHMENT = 3, 4, 5, 10, 11
USER, CHANNEL, ROLE, MENTIONABLE = 6, 7, 8, 9
TRUE_WORDS = {"true", "yes", "y", "1", "on"}
# A slash command is acknowledged within Discord's 3 s; what it defers may take longer
# (the first /stats chart starts the bot's render process, about a second).
SLASH_ANSWER_WITHIN = 30.0
FALSE_WORDS = {"false", "no", "n", "0", "off"}
MAX_LINE = 300  # characters of one console line about what was typed
#: The console's server has a second channel, so announcements have somewhere to go.
ANNOUNCEMENTS_CHANNEL = "announcements"

Ask = Callable[[str], Awaitable[str]]
EntityKind = Literal["channel", "role", "member"]


class ConsoleError(Exception):
    """Something the person typed cannot be sent; shown as one line, the session goes on."""


@runtime_checkable
class _PostsInBackground(Protocol):
    """A cog whose posts (announcements) run after the answer; ``settled`` waits for them."""

    async def settled(self) -> None: ...


def one_line(text: str) -> str:
    """Whatever an error says, as one console line of bounded length."""
    return elide(" ".join(text.split()), MAX_LINE)


@dataclass
class ConsoleSession:
    """Turns typed lines into Discord events and prints what the bot answers.

    ``prefix`` is the bot's command prefix ("" when prefix commands and mentions are off)
    and ``prefix_commands`` the names it answers; ``settle`` waits for what the bot does
    after answering (announcements), so it is printed beside the line that caused it.
    """

    discord: LoopbackDiscord
    user_id: int
    out: Console
    save_dir: Path | None = None
    prefix: str = "!"
    prefix_commands: frozenset[str] = frozenset()
    settle: Callable[[], Awaitable[None]] | None = None
    numbering: dict[int, tuple[SentMessage, str]] = field(default_factory=dict)
    _posted: list[SentMessage] = field(default_factory=list)
    _shown: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.discord.on_message_event(self._saw)

    def commands(self) -> dict[str, dict[str, Any]]:
        return {command["name"]: command for command in self.discord.synced_commands.get(None, [])}

    @property
    def guild(self) -> FakeGuild:
        """The server the console's member types in."""
        return self.discord.guild(self.discord.default_guild_id or GUILD_ID)

    async def handle(self, line: str, ask: Ask) -> None:
        """Answer one typed line. Nothing typed ends the session: what cannot be done
        is one line, and the next line is read."""
        line = line.strip()
        if not line or line.startswith("#"):
            return
        try:
            await self._do(line, ask)
        except BrokenPipeError:
            raise  # nobody reads the output any more: not a line's fault
        except LoopbackTimeout:
            timeout = self.discord.state.timeout
            self._say(f"! the bot did not answer within {timeout:g} s")
        except (ConsoleError, LoopbackError) as error:
            self._say(f"! {error}")
        except Exception as error:  # a console bug must not end the session either
            log.debug("the console could not handle %r", line, exc_info=True)
            self._say(f"! that did not work ({type(error).__name__}: {error})")
        if self.settle is not None:
            await self.settle()
        self.show_posted()

    def _say(self, text: str) -> None:
        self.out.print(Text(one_line(text), style="red" if text.startswith("!") else "dim"))

    async def _do(self, line: str, ask: Ask) -> None:
        if line.isdigit():
            await self._press(int(line), ask)
        elif line == "help":
            self.out.print(Text(HELP, style="dim"))
        elif line == "/app" or line.startswith("/app "):
            await self._app(line[1:], ask)
        elif line.startswith("/"):
            await self._slash(line[1:], ask)
        elif (mention := self._mention(line)) is not None:
            await self._message(mention, mentions_bot=True)
        elif self.prefix and line.startswith(self.prefix):
            await self._prefix_command(line)
        else:
            self._say(self._not_a_command(line))

    # -- commands ------------------------------------------------------------------

    def _mention(self, line: str) -> str | None:
        """``@bot heat`` (or ``@reviewbot heat``): the text after the mention."""
        names = ("bot", self.discord.state.bot_user.name)
        for name in names:
            if line == f"@{name}" or line.startswith(f"@{name} "):
                return line[len(name) + 1 :].strip()
        return None

    def _not_a_command(self, line: str) -> str:
        """A plain message: the bot answers none, so say so at once instead of waiting."""
        typed = elide(line, 60)
        ways = f"/review {typed}" + (f" or @bot {typed}" if self.prefix else "")
        return (
            f"“{typed}” is a plain message, which the bot does not answer; "
            f"to look it up, type {ways}; help lists the rest."
        )

    async def _prefix_command(self, line: str) -> None:
        name = line[len(self.prefix) :].split(maxsplit=1)[0] if line[len(self.prefix) :] else ""
        if name not in self.prefix_commands:
            known = ", ".join(f"{self.prefix}{n}" for n in sorted(self.prefix_commands))
            raise ConsoleError(f"no command {self.prefix}{elide(name, 40)}; there are {known}")
        await self._message(line, mentions_bot=False)

    async def _message(self, text: str, *, mentions_bot: bool) -> None:
        if mentions_bot and not self.prefix:
            raise ConsoleError(
                "mentions are off with prefix commands (COMMAND_PREFIX is empty): use /review"
            )
        replies = await self.discord.send_message(
            text, user=self.user_id, mentions_bot=mentions_bot
        )
        self._show_replies(replies)

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
            raise ConsoleError(f"no command /{elide(name, 40)}; /help lists them")
        path, options = [name], command.get("options", [])
        if options and options[0]["type"] in (SUBCOMMAND, GROUP):
            sub, _, rest = rest.strip().partition(" ")
            chosen = next((o for o in options if o["name"] == sub), None)
            if chosen is None:
                names = ", ".join(o["name"] for o in options)
                raise ConsoleError(f"/{name} needs one of: {names}")
            path.append(sub)
            options = chosen.get("options", [])
        values = parse_options(rest, options, self.guild)
        result = await self.discord.slash(
            " ".join(path), values, user=self.user_id, within=SLASH_ANSWER_WITHIN
        )
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

    # -- printing ------------------------------------------------------------------

    def _saw(self, kind: str, message: SentMessage) -> None:
        if kind == "create" and message.from_bot:
            self._posted.append(message)

    def show_posted(self) -> None:
        """Print what the bot posted that no answer showed (announcements, DMs), each
        under the channel it went to."""
        posted, self._posted = self._posted, []
        for message in posted:
            if message.id not in self._shown and not message.deleted:
                self._show(message, labelled=True)

    def _where(self, message: SentMessage) -> str:
        channel = self.discord.state.channel(message.channel_id)
        if channel is None:
            return f"channel {message.channel_id}"
        if channel.recipient is not None:
            return f"a DM to {channel.recipient.name}"
        return f"#{channel.name}"

    def _show(self, message: SentMessage, *, labelled: bool = False) -> None:
        self._shown.add(message.id)
        if labelled or message.channel_id != self.discord.default_channel_id:
            self.out.print(Text(f"In {self._where(message)}:", style="bold magenta"))
        numbers: dict[int, str] = {number: action for number, (_, action) in self.numbering.items()}
        before = set(numbers)
        payload = {
            "content": self._readable(message.content),
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

    def _readable(self, content: str) -> str:
        """Mentions as a member's client shows them: ``#announcements``, ``@Moderator``."""
        guild = self.guild

        def name(found: re.Match[str]) -> str:
            kind, number = found[1], int(found[2])
            if kind == "#" and number in guild.channels:
                return f"#{guild.channels[number].name}"
            if kind == "@&" and number in guild.roles:
                return f"@{guild.roles[number].name.removeprefix('@')}"
            if kind in ("@", "@!") and number in guild.members:
                return f"@{guild.members[number].user.name}"
            return found[0]

        return re.sub(r"<(#|@&|@!?)(\d+)>", name, content)

    def _save(self, message: SentMessage) -> None:
        if self.save_dir is None:
            return
        for name, data in message.attachments.items():
            # Only the file name: an attachment must not write outside the folder.
            path = free_path(self.save_dir / Path(name).name)
            path.write_bytes(data)
            self.out.print(Text(f"  saved {path} ({len(data):,} bytes)", style="cyan"))

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


def free_path(path: Path) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext``… if taken: a second /stats chart
    must not overwrite the first."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


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


def parse_options(text: str, definitions: list[dict[str, Any]], guild: FakeGuild) -> dict[str, Any]:
    """``min_score:8 genre:Drama`` by name, or free text for the first text option.

    Channels, roles and members are named as a member types them (``#reviews``,
    ``@Moderator``, a mention or an id) and resolved in ``guild``.
    """
    text = text.strip()
    by_name = {option["name"]: option for option in definitions}
    if not text:
        return {}
    marks = [m for m in OPTION.finditer(text) if m.group(1) in by_name]
    if not definitions:
        raise ConsoleError("this command takes no options")
    if not marks:
        first = next((o for o in definitions if o["type"] == STRING), None)
        if first is None:
            names = " ".join(f"{o['name']}:" for o in definitions)
            raise ConsoleError(f"this command takes name:value options: {names}")
        return {first["name"]: text}
    values: dict[str, Any] = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        raw = text[mark.end() : end].strip()
        values[mark.group(1)] = convert(by_name[mark.group(1)], _unquote(raw), guild)
    return values


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        try:
            return shlex.split(raw)[0]
        except ValueError:  # an inner quote shlex cannot close: take it as typed
            return raw
    return raw


def convert(option: Mapping[str, Any], raw: str, guild: FakeGuild) -> Any:
    kind = option["type"]
    try:
        if kind == INTEGER:
            return int(raw)
        if kind == NUMBER:
            return float(raw)
    except ValueError:
        raise ConsoleError(f"{option['name']} must be a number, got {elide(raw, 40)!r}") from None
    if kind == BOOLEAN:
        if raw.casefold() not in TRUE_WORDS | FALSE_WORDS:
            raise ConsoleError(f"{option['name']} must be true or false, got {elide(raw, 40)!r}")
        return raw.casefold() in TRUE_WORDS
    if kind == ATTACHMENT:
        path = Path(raw).expanduser()
        if path.is_dir():
            raise ConsoleError(f"{option['name']}: {elide(raw, 80)!r} is a directory, not a file")
        if not path.is_file():
            raise ConsoleError(f"{option['name']}: no such file {elide(raw, 80)!r}")
        return LoopbackFile(path.name, path.read_bytes())
    if kind == CHANNEL:
        return entity_id(guild, "channel", raw)
    if kind == ROLE:
        return entity_id(guild, "role", raw)
    if kind == USER:
        return entity_id(guild, "member", raw)
    if kind == MENTIONABLE:
        try:
            return entity_id(guild, "role", raw)
        except ConsoleError:
            return entity_id(guild, "member", raw)
    return raw


def entity_id(guild: FakeGuild, kind: EntityKind, raw: str) -> int:
    """The id of the channel, role or member ``raw`` names: ``#reviews`` / ``@Moderator``
    / ``@member`` by name (any case), a mention (``<#id>``, ``<@&id>``, ``<@id>``) or an id.
    """
    names = _names(guild, kind)
    found = MENTIONED_ID[kind].match(raw.strip())
    if found is not None:
        number = int(found[1] or found[2])
        if number in names:
            return number
    sign = "#" if kind == "channel" else "@"
    wanted = raw.strip().removeprefix(sign).casefold()
    for number, name in names.items():
        if name.casefold() == wanted:
            return number
    choices = ", ".join(f"{sign}{name}" for name in names.values())
    raise ConsoleError(f"no {kind} {elide(raw, 40)!r} in {guild.name}; there are {choices}")


def _names(guild: FakeGuild, kind: EntityKind) -> dict[int, str]:
    if kind == "channel":
        return {c.id: c.name for c in guild.text_channels()}
    if kind == "role":
        return {r.id: r.name.removeprefix("@") for r in guild.roles.values()}
    return {m.user.id: m.nick or m.user.name for m in guild.members.values()}


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
    out: Console,
    *,
    as_mod: bool,
    script: list[str] | None,
    save_dir: Path | None = None,
) -> int:
    """Run the bot against the loopback Discord and talk to it from this terminal,
    printing to ``out``.

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
    # After Ctrl-C the bot stops mid-answer; what it logs about that is noise.
    quiet = _QuietOnceInterrupted(asyncio.current_task())
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(quiet)
    stand_in = default_stand_in()
    stand_in.add_channel(GUILD_ID, stand_in.state.ids.next(), ANNOUNCEMENTS_CHANNEL)
    # A new stand-in knows no commands, so sync even an unchanged tree.
    bot = create_bot(settings, application_id=APPLICATION_ID, force_sync=True)
    try:
        async with synced_against(bot, stand_in):
            session = ConsoleSession(
                stand_in,
                MODERATOR_ID if as_mod else MEMBER_ID,
                out,
                save_dir=save_dir,
                prefix=settings.command_prefix if settings.prefix_commands_enabled else "",
                prefix_commands=frozenset(bot.all_commands),
                settle=lambda: _background_posts(bot),
            )
            if script is not None:
                await _run_lines(session, script)
            elif not sys.stdin.isatty():
                await _run_lines(session, sys.stdin.read().splitlines())
            else:
                await _interactive(session)
    finally:
        # Ctrl-C during start-up closes the bot while its setup may still be opening
        # the catalog; closing again closes what that setup opened after all.
        await bot.close()
        if quiet.interrupted():
            logging.disable(logging.CRITICAL)  # the process ends; keep its last breath quiet
        for handler in handlers:
            handler.removeFilter(quiet)
    return 0


class _QuietOnceInterrupted(logging.Filter):
    """Drops every record once ``task`` (the console's) has been cancelled by Ctrl-C."""

    def __init__(self, task: asyncio.Task[Any] | None) -> None:
        super().__init__()
        self._task = task

    def interrupted(self) -> bool:
        return self._task is not None and self._task.cancelling() > 0

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.interrupted()


async def _background_posts(bot: ReviewBot) -> None:
    """Wait for what the bot posts after answering (announcements)."""
    for cog in list(bot.cogs.values()):
        if isinstance(cog, _PostsInBackground):
            await cog.settled()


def stop_if_interrupted() -> None:
    """Stop if Ctrl-C asked to, even when the cancellation it sent was lost.

    Python 3.11's ``asyncio.wait_for`` drops a cancellation that lands just as what it
    waits for finishes, and the stand-in waits that way on every change it sees: the
    request is still counted on the task, so it is honoured here, between lines.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


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
        stop_if_interrupted()
        session.show_posted()
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
        stop_if_interrupted()
        session.show_posted()
        try:
            line = await prompt.prompt_async("reviewbot> ")
        except (EOFError, KeyboardInterrupt):
            return
        if line.strip() in {"quit", "exit"}:
            return
        await session.handle(line, ask)
