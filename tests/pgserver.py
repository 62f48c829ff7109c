"""A throwaway PostgreSQL server for tests and benchmarks, in a temporary directory.

It uses the server binaries of the system's ``postgresql`` package (Debian puts
them in /usr/lib/postgresql/<version>/bin, off PATH); ``.ci/run`` installs that
package when it is missing. docs/deploy.md says why this and not a PyPI wheel.

``initdb`` refuses to run as root, so under root (CI) the server runs as the
``postgres`` system user the package creates. It listens on a Unix socket in
its own directory and on 127.0.0.1 at a free port, with trust authentication:
it exists only for the life of one test session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

HOW_TO_RUN = (
    "PostgreSQL server binaries not found: install them (`sudo apt-get install -y postgresql` "
    "on Debian/Ubuntu) to run the PostgreSQL half of the tests; CI (CI=true) requires it"
)
SERVER_USER = "postgres"  # the system user Debian's package creates


def find_bin_dir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: on PATH, or the newest Debian install."""
    on_path = shutil.which("initdb")
    if on_path is not None:
        return Path(on_path).resolve().parent  # a symlink may stand alone on PATH
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    return installed[-1].parent if installed else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls, bin_dir: Path | None = None) -> PostgresServer:
        found = bin_dir or find_bin_dir()
        if found is None:
            raise FileNotFoundError(HOW_TO_RUN)
        root = Path(tempfile.mkdtemp(prefix="reviewbot-pg-"))
        server = cls(found, root, _free_port())
        if os.geteuid() == 0:
            shutil.chown(root, SERVER_USER)
        server._run(
            "initdb",
            "-D",
            str(server.data_dir),
            "-U",
            SERVER_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        server.resume()
        return server

    def resume(self) -> None:
        """Start the server (again, after :meth:`halt` or :meth:`pause`) on the same
        port and data."""
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            # synchronous_commit stays on: with it off, a VACUUM right after a commit
            # cannot mark pages all-visible (the commit record is not flushed yet), and
            # index-only scans, which the store's filtered picks rely on, read the heap.
            "-c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def pause(self) -> None:
        """Stop the server, keeping its data: its clients find it unreachable (their
        connections closed, new ones refused) until :meth:`resume`."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def halt(self) -> None:
        """Stop the server at once, as a crash or an operator would, keeping its data."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def create_database(self, name: str) -> str:
        """A new empty database on this server; returns its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", SERVER_USER, name)
        return self.url(name)

    def stop(self) -> None:
        try:
            self.halt()
        finally:
            _remove_in_the_background(self.root)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({result.returncode}): {result.stderr.strip() or result.stdout}"
            )


def _remove_in_the_background(root: Path) -> None:
    """Delete ``root`` without waiting: a session's databases are tens of thousands of
    files, and deleting them one by one took 10 s of a loaded machine at the end of every
    run. The shell starts ``rm`` and returns at once; ``rm`` is reparented to init."""
    subprocess.run(
        ["sh", "-c", 'rm -rf -- "$1" >/dev/null 2>&1 &', "sh", str(root)],
        stdin=subprocess.DEVNULL,
        check=True,
    )
