"""``reviewbot``: run the bot, or manage the catalog from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from io import TextIOWrapper
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NoReturn

from rich.console import Console
from rich.progress import Progress, TaskID

from bot.charts import HEIGHT_PX, WIDTH_PX, render_in_thread
from bot.config import ConfigError, Settings, load_settings
from bot.faults import OperatorFault
from bot.formats.export import EXPORTERS
from bot.importers import FORMATS, ImportFailed, iter_reviews
from bot.member_errors import UserError
from bot.models import CatalogStats, Review, ReviewDraft, ReviewFilters
from bot.services.curation import copy_catalog, import_into
from bot.validation import elide

if TYPE_CHECKING:
    from bot.catalog import Catalog
    from bot.finder import Lookup

NO_TOKEN_MESSAGE = (
    "DISCORD_TOKEN is not set: add DISCORD_TOKEN=<your bot token> to .env (see .env.example), "
    "or try the bot locally with no token: reviewbot console"
)
PROGRESS_THRESHOLD = 500  # rows; smaller imports finish before a bar is worth drawing
MAX_ERROR_LINE = 400  # characters; long values inside are elided before this
MAX_SQLITE_ID = 2**63 - 1  # ids are SQLite integers
SQLITE_HEADER = b"SQLite format 3\x00"
# Commands that only read: they never create a database (a typo must not make one).
READ_ONLY = frozenset({"export", "search", "show", "stats", "backup", "history"})
DATABASE_HELP = "SQLite file or postgresql:// URL (overrides DATABASE_PATH and DATABASE_URL)"
# A shell reports a command that wrote into a closed pipe as killed by SIGPIPE: 128 + 13.
CLOSED_PIPE_STATUS = 141


class ProgressBar:
    """A bar on stderr, in two halves: reading and staging the files (as far as they
    have been read), then applying the rows (as far as they have been applied).

    Drawn from the first step that has read :data:`PROGRESS_THRESHOLD` rows: an import
    refused before it starts (another one is running) prints its one line and no empty
    bar, and a small one finishes before a bar is worth drawing.
    """

    def __init__(self, description: str, read: Callable[[], float]) -> None:
        self._description = description
        self._read = read  # the share of the files read so far, 0 to 1
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._lock = threading.Lock()  # steps arrive from the import's thread
        self._closed = False

    def __call__(self, done: int, total: int | None) -> None:
        # While the files are read their length in rows is unknown (total is None).
        percent = 50 * self._read() if total is None else 100 * done / max(total, 1)
        with self._lock:
            if self._closed:
                return
            if self._progress is None:
                if done < PROGRESS_THRESHOLD:
                    return
                self._progress = Progress(console=Console(stderr=True))
                self._progress.start()
                self._task = self._progress.add_task(self._description, total=100)
            assert self._task is not None
            self._progress.update(self._task, completed=percent)

    def close(self) -> None:
        """Stop drawing (again is fine), so a line can follow the bar."""
        with self._lock:
            if self._progress is not None and not self._closed:
                self._progress.stop()
            self._closed = True


class Stdout(Console):
    """Standard output for commands and the console: a reader that closed the pipe
    (`reviewbot export | head`) ends the command quietly, as any Unix tool's would."""

    def __init__(self) -> None:
        super().__init__(highlight=False, soft_wrap=True)

    def on_broken_pipe(self) -> None:
        # rich would exit with status 1; main() ends with the closed-pipe status instead.
        self.quiet = True
        raise BrokenPipeError


class CliError(Exception):
    """Ends the command with one line on stderr and a non-zero exit code."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line too."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {elide(message, MAX_ERROR_LINE)} (see {self.prog} --help)\n")


def _positive_id(what: str) -> Callable[[str], int]:
    """An id as SQLite can hold it: 1 … 2**63-1, ASCII digits, echoed as typed if not."""

    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or not 0 < int(text[:20]) <= MAX_SQLITE_ID:
            raise argparse.ArgumentTypeError(
                f"{what} must be a number from 1 to {MAX_SQLITE_ID}, got {elide(text, 40)!r}"
            )
        return int(text)

    return parse


guild_id = _positive_id("--guild (a Discord server id)")
review_id = _positive_id("a review id")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="reviewbot",
        description="A Discord bot for a film community's reviews, and its catalog tools.",
    )
    parser.add_argument("--database", metavar="PATH", help=DATABASE_HELP)
    # Also accepted after the subcommand (`reviewbot console --database x.db`); SUPPRESS
    # as the default keeps a value given before the subcommand.
    database = _Parser(add_help=False)
    database.add_argument(
        "--database", metavar="PATH", default=argparse.SUPPRESS, help=DATABASE_HELP
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        metavar="FILE",
        help="read settings from FILE (default: .env, when there is one)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("run", parents=[database], help="run the bot (the default)")

    importing = commands.add_parser(
        "import", parents=[database], help="import review files (all or nothing)"
    )
    importing.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importing.add_argument("--format", choices=FORMATS, help="default: from the file's extension")
    importing.add_argument("--dry-run", action="store_true", help="validate and report only")
    importing.add_argument("--guild", type=guild_id, help="import into this guild's scope")

    exporting = commands.add_parser(
        "export", parents=[database], help="write the catalog as JSON or CSV"
    )
    exporting.add_argument("--format", choices=sorted(EXPORTERS), default="json")
    exporting.add_argument(
        "--output", type=Path, metavar="FILE", help="file to write (default: stdout)"
    )
    exporting.add_argument("--guild", type=guild_id, help="export this guild's reviews")

    searching = commands.add_parser(
        "search", parents=[database], help="find a review by title, as /review does"
    )
    searching.add_argument("text", nargs="+")
    searching.add_argument("--guild", type=guild_id, help="search as this guild sees the catalog")

    showing = commands.add_parser("show", parents=[database], help="print one review by id")
    showing.add_argument("id", type=review_id)

    stats = commands.add_parser(
        "stats",
        parents=[database],
        help="catalog size and scores: the global catalog and each server, as /stats there",
    )
    stats.add_argument("--guild", type=guild_id, help="only this server, as /stats shows it there")
    stats.add_argument(
        "--chart", type=Path, metavar="FILE.png", help="also write the /stats chart to this PNG"
    )

    history = commands.add_parser(
        "history", parents=[database], help="what changed in one review, who and when"
    )
    history.add_argument(
        "review", nargs="+", metavar="TITLE|ID", help="a review id, or a title as /review takes it"
    )
    history.add_argument("--guild", type=guild_id, help="find the title as this guild sees it")

    backing_up = commands.add_parser(
        "backup", parents=[database], help="consistent copy of the database, live"
    )
    backing_up.add_argument("path", type=Path, metavar="FILE")

    samples = commands.add_parser(
        "samples", parents=[database], help="the starter catalog's sample reviews"
    )
    samples.add_argument("action", choices=["remove"], help="remove: take them out (audited)")

    migrating = commands.add_parser(
        "migrate",
        parents=[database],
        help="copy the whole catalog into another, empty database (SQLite or PostgreSQL)",
    )
    migrating.add_argument(
        "--to", required=True, metavar="TARGET", help="a postgresql:// URL or a SQLite file"
    )

    console = commands.add_parser(
        "console", parents=[database], help="try the bot in this terminal, no Discord"
    )
    console.add_argument("--as-mod", action="store_true", help="act as a moderator")
    console.add_argument(
        "--script", type=Path, metavar="FILE", help="run the lines of FILE, print the replies"
    )
    console.add_argument(
        "--save-dir",
        type=Path,
        metavar="DIR",
        help="save files the bot sends (exports, /stats charts) into this folder",
    )

    syncing = commands.add_parser(
        "sync",
        parents=[database],
        help="sync the slash commands now (the bot itself syncs only when they changed)",
    )
    syncing.add_argument("--guild", type=guild_id, help="sync into this server only (instant)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        stdout = Stdout()
        settings = load_settings(_env_file(args.env_file)).with_database(args.database)
        return asyncio.run(_interruptible(_dispatch(args, settings, stdout)))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `reviewbot export | head`: the reader has all it wanted
        _discard_stdout()
        return CLOSED_PIPE_STATUS
    except (CliError, ConfigError, UserError, OperatorFault) as error:
        _print_error(str(error))
        return 2
    except (sqlite3.Error, OSError) as error:  # the disk or the file said no
        _print_error(f"{type(error).__name__}: {error}")
        return 1


async def _interruptible(command: Awaitable[int]) -> int:
    """Ctrl-C cancels the command; what then breaks while it stops (a closed connection
    under a half-started bot, say) is no news, so the command ends as interrupted. So
    does a command that finished although Ctrl-C was pressed: Python 3.11's
    ``asyncio.wait_for`` can drop a cancellation, but the task still counts it."""
    task = asyncio.current_task()
    try:
        status = await command
    except Exception:
        if task is not None and task.cancelling():
            raise asyncio.CancelledError from None
        raise
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
    return status


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit raises no second error."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _env_file(given: Path | None) -> Path | None:
    """The settings file: one named with --env-file must be a file; .env is optional."""
    if given is None:
        return Path(".env")
    _check_input_file(given, "settings file")
    return given


def _check_input_file(path: Path, what: str) -> None:
    if path.is_dir():
        raise CliError(f"{path}: is a directory; name a {what}")
    if not path.exists():
        raise CliError(f"{path}: no such file")


def _print_error(text: str) -> None:
    line = " ".join(text.split())
    print(f"reviewbot: {elide(line, MAX_ERROR_LINE)}", file=sys.stderr)


async def _dispatch(args: argparse.Namespace, settings: Settings, out: Console) -> int:
    command = args.command or "run"
    if command == "run":
        if not settings.discord_token:
            raise CliError(NO_TOKEN_MESSAGE)
        from bot.client import run_bot  # discord.py start-up cost only when running the bot

        return await run_bot(settings)
    if command == "console":
        script = _read_script(args.script) if args.script else None
        if args.save_dir is not None and not args.save_dir.is_dir():
            problem = "is a file, not a folder" if args.save_dir.exists() else "no such folder"
            raise CliError(f"{args.save_dir}: {problem}")
        from bot.console import run_console  # discord.py and the stand-in: checks first

        return await run_console(
            settings, out, as_mod=args.as_mod, script=script, save_dir=args.save_dir
        )
    if command == "sync":
        if not settings.discord_token:
            raise CliError(NO_TOKEN_MESSAGE)
        import discord

        from bot.client import sync_now

        discord.utils.setup_logging(level=settings.log_level_number)
        await sync_now(settings, guild_id=args.guild)
        where = f"server {args.guild}" if args.guild else "every server (global)"
        out.print(f"Synced the commands to {where}.")
        return 0
    if command == "migrate":
        return await _migrate(settings, args.to, out)
    if settings.database_url is None:
        _check_database(
            settings.database_path,
            must_exist=command != "import" and (command in READ_ONLY or command == "samples"),
        )
    if command == "import":
        for path in args.files:
            _check_input_file(path, "review file")
        return await _import(settings, args, out)
    from bot.catalog import Catalog  # the title index: not for a one-off import

    handler = _CATALOG_COMMANDS[command]
    catalog = await Catalog.open(settings.database, pool_size=settings.database_pool_size)
    try:
        await handler(catalog, args, out)
    finally:
        await catalog.close()
    return 0


def _read_script(path: Path) -> list[str]:
    _check_input_file(path, "script file")
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise CliError(f"{path}: cannot read it ({error.strerror})") from None


def _check_database(path: Path, *, must_exist: bool) -> None:
    if path.is_dir():
        raise CliError(f"{path}: is a directory, not a database file")
    if must_exist and not path.exists():
        raise CliError(
            f"{path}: no such database (this command only reads one; "
            "`reviewbot import FILE` creates it)"
        )


class ImportFiles:
    """Every file's reviews in turn, read only as the import stages them (never a whole
    file in memory); a bad row, or a review two files both hold, ends the import before
    anything is applied."""

    def __init__(self, paths: Sequence[Path], *, fmt: str | None, scope: int | None) -> None:
        self.paths = paths
        self.fmt = fmt
        self.scope = scope
        self._size = sum(path.stat().st_size for path in paths)
        self._bytes_done = 0  # of the files finished
        self._reading: BinaryIO | None = None

    def read_share(self) -> float:
        """How much of the files has been read, 0 to 1 (for the progress bar)."""
        reading = 0 if self._reading is None else self._reading.tell()
        return min(1.0, (self._bytes_done + reading) / max(self._size, 1))

    def __iter__(self) -> Iterator[ReviewDraft]:
        came_from: dict[str, Path] = {}  # identity -> file, so two files cannot both hold one
        for path in self.paths:
            # newline="": the CSV reader sees quoted line breaks as written.
            with path.open("rb") as raw, TextIOWrapper(raw, "utf-8-sig", newline="") as stream:
                self._reading = raw
                for review in iter_reviews(
                    stream, filename=path.name, fmt=self.fmt, scope=self.scope
                ):
                    other = came_from.setdefault(review.identity, path)
                    if other != path:
                        raise CliError(
                            f"{path}: nothing imported: {elide(review.display_title)} is also "
                            f"in {other}; keep it in one file"
                        )
                    yield review
            self._reading = None
            self._bytes_done += path.stat().st_size


INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C (128 + SIGINT)
INTERRUPTED_IMPORT = "interrupted: nothing imported (all or nothing: what it had applied is undone)"
INTERRUPTED_TOO_LATE = "interrupted after the import had finished: it is kept"


async def _import(settings: Settings, args: argparse.Namespace, out: Console) -> int:
    """Straight into the store: a one-off process needs no title index.

    Ctrl-C (asyncio cancels this task on SIGINT) or SIGTERM stops the import and undoes
    it, exit 130; one that had already finished is kept, and reported.
    """
    this = asyncio.current_task()
    assert this is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, this.cancel)
    database = settings.database
    # A SQLite file this import creates; None when it exists already, or is PostgreSQL.
    created = (
        database
        if isinstance(database, Path) and not await asyncio.to_thread(database.exists)
        else None
    )
    files = ImportFiles(args.files, fmt=args.format, scope=args.guild)
    bar = ProgressBar("Importing", files.read_share)
    refused = False
    try:
        report = await import_into(
            database,
            files,
            pool_size=settings.database_pool_size,
            actor_id=None,
            dry_run=args.dry_run,
            progress=bar,
        )
    except asyncio.CancelledError:
        refused = True
        bar.close()
        _print_error(INTERRUPTED_IMPORT)
        return INTERRUPTED
    except (ImportFailed, CliError):
        refused = True
        raise
    finally:
        bar.close()
        # The files are read as they are imported, so a refused one is found after the
        # database was opened; one this import created is taken away again (it held
        # the import lock, so no other import has written to it).
        if refused and created is not None:
            _remove_database(created)
    out.print(report.summary())
    if report.warning is not None:
        _print_error(f"warning: {report.warning}")
    if this.cancelling():
        _print_error(INTERRUPTED_TOO_LATE)
    return 0


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal", ".import-lock", ".writers"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


async def _export(catalog: Catalog, args: argparse.Namespace, out: Console) -> None:
    if args.output is None:
        await catalog.curation.export(args.guild, args.format, sys.stdout)
        return
    if args.output.is_dir():
        raise CliError(f"{args.output}: is a directory; name a file to write")
    try:
        with args.output.open("w", encoding="utf-8", newline="") as file:
            written = await catalog.curation.export(args.guild, args.format, file)
    except OSError as error:
        raise CliError(f"{args.output}: cannot write it ({error.strerror})") from None
    out.print(f"Wrote {written.count} review(s) to {args.output}")


async def _search(catalog: Catalog, args: argparse.Namespace, out: Console) -> None:
    query = " ".join(args.text)
    found = await catalog.finder.lookup(query, args.guild)
    if found.best is None:
        raise _no_match(query, found)
    if not found.exact:
        from bot.embeds import closest_match_text

        out.print(closest_match_text(query))
    _print_review(out, found.best)
    if found.menu:
        others = ", ".join(f"{r.display_title} [#{r.id}]" for r in found.menu)
        out.print(f"Did you mean: {others}")


def _no_match(query: str, found: Lookup) -> CliError:
    nearest = ", ".join(review.display_title for review in found.menu)
    hint = f" Nearest: {nearest}." if nearest else ""
    return CliError(f"no review matches {query!r}.{hint}")


async def _show(catalog: Catalog, args: argparse.Namespace, out: Console) -> None:
    review = await catalog.curation.review(args.id)
    if review is None:
        raise CliError(f"no review with id {args.id}")
    _print_review(out, review)


def _print_review(out: Console, review: Review) -> None:
    from bot.embeds import review_embed
    from bot.render import render_message

    render_message(out, {"embeds": [review_embed(review).to_dict()]})


async def _history(catalog: Catalog, args: argparse.Namespace, out: Console) -> None:
    from bot.embeds import history_pages
    from bot.render import render_message

    review = await _named_review(catalog, " ".join(args.review), args.guild)
    for page in history_pages(review, await catalog.curation.history(review.id)):
        render_message(out, {"embeds": [page.to_dict()]})


async def _named_review(catalog: Catalog, text: str, guild: int | None) -> Review:
    """The review with id ``text``, else the one the title ``text`` finds (a film may be
    called "1917": digits that are no review's id are taken for a title)."""
    if text.isascii() and text.isdigit() and int(text[:20]) <= MAX_SQLITE_ID:
        review = await catalog.curation.review(int(text))
        if review is not None:
            return review
    found = await catalog.finder.lookup(text, guild)
    if found.best is None:
        raise _no_match(text, found)
    return found.best


async def _stats(catalog: Catalog, args: argparse.Namespace, out: Console) -> None:
    """What /stats shows: in a DM (the global catalog) and in each server that has
    reviews of its own (the global catalog and those), or in the one ``--guild`` names."""
    servers = await catalog.insights.server_scopes()
    if args.guild is None:
        _print_stats(out, await catalog.insights.stats(guild_id=None), "the global catalog")
    for guild in servers if args.guild is None else [args.guild]:
        where = f"server {guild} as /stats shows it: its own {servers.get(guild, 0)} and global"
        _print_stats(out, await catalog.insights.stats(guild_id=guild), where)
    if args.chart is not None:
        await _write_chart(catalog, args.chart, out)


def _print_stats(out: Console, stats: CatalogStats, where: str) -> None:
    average = "—" if stats.average_score is None else f"{stats.average_score:g}"
    out.print(f"Reviews: {stats.total}   average score: {average}   ({where})")
    for bucket, count in sorted(stats.score_buckets.items(), reverse=True):
        out.print(f"  {bucket:>2}–{bucket}.9  {count}")
    for label, count in stats.verdicts.items():
        out.print(f"  {label}: {count}")
    if stats.top_directors:
        directors = ", ".join(f"{name} ({count})" for name, count in stats.top_directors)
        out.print(f"  Most-reviewed directors: {directors}")


async def _write_chart(catalog: Catalog, path: Path, out: Console) -> None:
    """The chart /stats attaches, of the whole global catalog, as a PNG file."""
    if await asyncio.to_thread(path.is_dir):
        raise CliError(f"{path}: is a directory; name the PNG file to write")
    histograms = await catalog.insights.histograms(ReviewFilters(), guild_id=None)
    png = await render_in_thread(histograms)
    try:
        await asyncio.to_thread(path.write_bytes, png)
    except OSError as error:
        raise CliError(f"{path}: cannot write it ({error.strerror})") from None
    out.print(f"Wrote the chart to {path} ({WIDTH_PX}×{HEIGHT_PX} px PNG, {len(png):,} bytes)")


async def _backup(catalog: Catalog, args: argparse.Namespace, out: Console) -> None:
    target: Path = args.path
    source = catalog.curation.database_file
    if source is None:
        raise CliError(
            f"{catalog.curation.location} is PostgreSQL: back it up with pg_dump (docs/deploy.md)"
        )
    _check_backup_target(target, source)
    try:
        await catalog.curation.backup(target)
    except (sqlite3.Error, OSError) as error:
        raise CliError(f"{target}: cannot write a backup there ({error})") from None
    out.print(f"Backed up {source} to {target}")


def _check_backup_target(target: Path, source: Path) -> None:
    if target.is_dir():
        raise CliError(f"{target}: is a directory; name the backup file")
    if target.exists():
        if target.samefile(source):
            raise CliError(f"{target}: is the database itself; name another file")
        if not _is_sqlite_file(target):
            raise CliError(f"{target}: exists and is not a SQLite database; not overwritten")


def _is_sqlite_file(path: Path) -> bool:
    """An empty file or one with SQLite's header: safe for a backup to replace."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return head in (b"", SQLITE_HEADER)


async def _samples(catalog: Catalog, args: argparse.Namespace, out: Console) -> None:
    removed = await catalog.curation.remove_samples(actor_id=None)
    if removed == 0:
        out.print("No sample reviews are left to remove; nothing was changed.")
        return
    out.print(f"Removed {removed} sample review(s); each removal is in the audit log.")


async def _migrate(settings: Settings, target: str, out: Console) -> int:
    """Copy everything, then check the copy: every table equal, row for row."""
    to = settings.with_database(target).database
    if str(to) == str(settings.database):
        raise CliError("--to names the database being copied; give another one")
    if isinstance(to, Path):
        _check_database(to, must_exist=False)
    copy = await copy_catalog(settings.database, to, pool_size=settings.database_pool_size)
    if copy.differs is not None:
        raise CliError(f"the copy of {copy.differs} differs from {copy.source}'s")
    summary = ", ".join(f"{rows} {table}" for table, rows in copy.copied.items())
    out.print(f"Copied {copy.source} to {copy.target} and checked it: {summary}")
    return 0


_CATALOG_COMMANDS: dict[str, Callable[[Catalog, argparse.Namespace, Console], Awaitable[None]]] = {
    "export": _export,
    "search": _search,
    "show": _show,
    "stats": _stats,
    "history": _history,
    "backup": _backup,
    "samples": _samples,
}
