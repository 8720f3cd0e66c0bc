"""The Temporal client of every linli process over TLS (TEMPORAL_TLS_*): against the dev server behind a TLS front
(tests/helpers/tls_front.py), since the dev server itself serves plaintext only. The CA and server name are
checked, a client trusting another CA is refused, and the worker runs over TLS."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from devstack.certificates import LocalCertificates
from devstack.stack import LocalStack
from services.runtime.config import Settings, load_settings
from services.runtime.temporal import connect_temporal
from tests.helpers.tls_front import tls_front


def settings(stack: LocalStack, address: str, ca_file: Path, **more: str) -> Settings:
    """The worker's settings with Temporal at `address`, its frontend checked against `ca_file`."""
    environment = {"TEMPORAL_ADDRESS": address, "TEMPORAL_TLS_CA_FILE": str(ca_file), **more}
    return load_settings("worker", {**stack.secrets.as_environment("worker"), **environment})


async def test_the_temporal_client_verifies_the_frontend_against_the_ca(
    stack: LocalStack, temporal_dev_server: str
) -> None:
    assert stack.certificates is not None
    async with tls_front(temporal_dev_server, stack.certificates) as address:
        client = await connect_temporal(settings(stack, address, stack.certificates.ca_file))
        assert await client.service_client.check_health()
        named = settings(stack, address.replace("127.0.0.1", "localhost"), stack.certificates.ca_file)
        assert await (await connect_temporal(named)).service_client.check_health()


async def test_a_temporal_client_trusting_another_ca_is_refused(
    stack: LocalStack, temporal_dev_server: str, tmp_path: Path
) -> None:
    assert stack.certificates is not None
    stranger = LocalCertificates.load_or_create(tmp_path / "other-ca", "some other CA")
    async with tls_front(temporal_dev_server, stack.certificates) as address:
        with pytest.raises(RuntimeError, match="(?i)certificate|tls|transport"):
            await connect_temporal(settings(stack, address, stranger.ca_file))
        with pytest.raises(RuntimeError):  # nor does a plaintext client get through
            await connect_temporal(settings(stack, address, stack.certificates.ca_file, TEMPORAL_TLS="false"))


async def test_the_worker_reaches_temporal_over_tls(stack: LocalStack, temporal_dev_server: str) -> None:
    assert stack.certificates is not None
    async with tls_front(temporal_dev_server, stack.certificates) as address:
        worker = stack.start_process(
            "worker",
            "worker-temporal-tls",
            TEMPORAL_ADDRESS=address,
            TEMPORAL_TLS_CA_FILE=str(stack.certificates.ca_file),
            LINLI_TASK_QUEUE="temporal-tls-e2e",
        )
        try:
            deadline = time.monotonic() + 30
            while '"worker running"' not in worker.log_tail(since_start=True):
                assert worker.alive() and time.monotonic() < deadline, worker.log_tail()
                await asyncio.sleep(0.2)
            assert "temporal not reachable" not in worker.log_tail(since_start=True)
        finally:
            stack.processes.pop("worker-temporal-tls").stop()
