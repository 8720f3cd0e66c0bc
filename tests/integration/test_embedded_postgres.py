"""The local Postgres: a password is required, and starting it changes no folder linli did not make.

Run as root, the server runs as its own user from that user's home, so it works from a checkout in a folder no
other user may enter (mode 0700, like root's home or a `mktemp -d`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import psutil
import pytest

from devstack.ports import PortTaken
from devstack.postgres import _WHEEL_INSTALL, SERVER_USER, EmbeddedPostgres
from devstack.stack import REPO


def _modes(paths: list[Path]) -> dict[Path, tuple[int, int, int]]:
    return {p: (p.stat().st_mode, p.stat().st_uid, p.stat().st_gid) for p in paths}


@pytest.fixture
def private_folder() -> Iterator[Path]:
    """A folder only its owner may enter, as `mktemp -d` makes."""
    folder = Path(tempfile.mkdtemp(prefix="linli-private-"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


async def test_a_server_in_a_private_folder_starts_asks_for_its_password_and_changes_no_folder_it_did_not_make(
    private_folder: Path,
) -> None:
    data_dir = private_folder / "checkout" / ".linli" / "postgres"
    watched = [
        *data_dir.parents[:-1],
        *REPO.parents,
        REPO,
        _WHEEL_INSTALL,
        *(_WHEEL_INSTALL / d for d in ("bin", "lib")),
    ]
    watched = [p for p in dict.fromkeys(watched) if p.exists()]
    before = _modes(watched)
    password = secrets.token_urlsafe(24)
    server = EmbeddedPostgres(data_dir, password, durable=False)
    server.start()
    try:
        assert _modes(watched) == before
        conn = await asyncpg.connect(server.url())
        assert await conn.fetchval("select 1") == 1
        await conn.close()
        for wrong in ("", "not-the-password"):
            with pytest.raises((asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError)):
                await asyncpg.connect(f"postgresql://postgres:{wrong}@127.0.0.1:{server.port}/postgres")
        owner = psutil.Process(server.pid()).username()
        assert owner == (SERVER_USER if os.geteuid() == 0 else psutil.Process().username())
        assert "trust" not in "".join(
            line for line in (server.pgdata / "pg_hba.conf").read_text().splitlines() if not line.startswith("#")
        )
        # A restart finds its data again (the same folder asks for the same cluster).
        server.restart()
        again = await asyncpg.connect(server.url())
        await again.close()
    finally:
        server.remove()
    assert not server.pgdata.exists()


def test_a_server_whose_port_is_taken_says_so() -> None:
    with socket.socket() as stranger, tempfile.TemporaryDirectory() as folder:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        server = EmbeddedPostgres(Path(folder) / "pg", secrets.token_urlsafe(24), stranger.getsockname()[1])
        try:
            with pytest.raises(PortTaken):
                server.start()
        finally:
            server.remove()
