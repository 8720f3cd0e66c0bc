"""Fixtures of the integration tests beyond tests/conftest.py's: the notice gateway on loopback, and the town a
HolidayActivity runs in."""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.dispatch.__main__ import MIGRATIONS
from services.dispatch.activities.relay import ActivityRelay
from services.dispatch.activities.store import ActivityStore
from services.runtime.config import load_settings
from services.runtime.db import create_pool, migrate
from tests.helpers.notice_gateway import NoticeGateway, running_gateway
from tests.helpers.tokens import token_environment
from tests.integration.helpers.activity_town import TEST_KEY, Town
from workflows.activity_schedules import ActivityNoticeDigest
from workflows.holiday_activity import HolidayActivity


@pytest.fixture
def gateway() -> Iterator[tuple[NoticeGateway, str]]:
    with running_gateway() as running:
        yield running, running.url


@pytest.fixture
async def town(
    time_skipping_env: WorkflowEnvironment, database_url: str, gateway: tuple[NoticeGateway, str]
) -> AsyncIterator[Town]:
    task_queue = f"activities-{uuid.uuid4().hex[:8]}"
    settings = load_settings(
        "dispatch",
        {
            **token_environment("dispatch"),
            # Dispatch holds personal data (alerts' addresses), so its settings need the keys.
            "LINLI_DATA_KEYS": f"k1:{TEST_KEY}",
            "LINLI_LOOKUP_KEY": TEST_KEY,
            "LINLI_TASK_QUEUE": task_queue,
            "LINLI_ACTIVITY_APPROVAL_LIMIT": "24h",
        },
    )
    async with create_pool(database_url, "dispatch", 4) as pool:
        await migrate(pool, "dispatch", MIGRATIONS)
        # Workflow ids are activity-<id> on a Temporal server shared by the whole run: keep ids apart.
        await pool.execute(
            "select setval(pg_get_serial_sequence('dispatch.activities', 'id'), $1)", random.randint(10**6, 10**15)
        )
        town = Town(
            time_skipping_env,
            ActivityStore(pool),
            ActivityRelay(pool, time_skipping_env.client, settings),
            *gateway,
            task_queue,
        )
        async with Worker(
            time_skipping_env.client,
            task_queue=task_queue,
            workflows=[HolidayActivity, ActivityNoticeDigest],
            activities=town.activities(),
        ):
            yield town
            # A workflow left running would hold the shared server's clock for the next test.
            for handle in town.handles:
                with contextlib.suppress(RPCError):
                    await handle.terminate("test over")
