"""Wish and duty notices on a platform of their own: a wishes service, a dispatch service and a worker with their own
databases and task queue, notices sent to a real HTTP receiver on loopback, beside the main stack's registry — so a
gateway taken down here, or a digest sent, touches no other test."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from linli.dispatch.v1 import activities_pb2_grpc, dispatch_pb2_grpc
from linli.wishes.v1 import wishes_pb2_grpc

from devstack.client import Api
from devstack.stack import LocalStack
from services.dispatch.__main__ import MIGRATIONS as DISPATCH_MIGRATIONS
from services.wishes.__main__ import MIGRATIONS as WISH_MIGRATIONS
from tests.helpers.databases import create_database, drop_database, migrate_with_ids_from
from tests.helpers.notice_gateway import NoticeGateway

TASK_QUEUE = "notices-e2e"
CLAIM_NOTICE_SECONDS = 4  # how long before a claim's deadline its claimant is told, here
_PROCESSES = ("worker-notices", "wishes-notices", "dispatch-notices")


@dataclass
class NoticePlatform:
    api: Api  # the main stack's registry; this platform's wishes and dispatch services
    activities: activities_pb2_grpc.ActivityServiceStub
    receiver: NoticeGateway

    def wish_notices(self, wish_id: str, purpose: str | None = None, **match: str) -> list[dict[str, object]]:
        return [n for n in self.receiver.notices(purpose, **match) if str(n["key"]).startswith(f"wish-{wish_id}/")]


@asynccontextmanager
async def running_notice_platform(stack: LocalStack, api: Api, postgres_server: str) -> AsyncIterator[NoticePlatform]:
    """Wish ids far above the main stack's and the alert platform's: all share one Temporal namespace."""
    wish_db, dispatch_db = await create_database(postgres_server), await create_database(postgres_server)
    await migrate_with_ids_from(wish_db, "wishes", WISH_MIGRATIONS, "wishes", 70000000)
    await migrate_with_ids_from(dispatch_db, "dispatch", DISPATCH_MIGRATIONS, "activities", 70000000)
    receiver = NoticeGateway().up()
    queue = {"LINLI_TASK_QUEUE": TASK_QUEUE}
    channels = []
    try:
        dispatch = stack.start_process("dispatch", "dispatch-notices", DATABASE_URL=dispatch_db, **queue)
        dispatch_address = f"127.0.0.1:{dispatch.ports['grpc']}"
        wishes = stack.start_process(
            "wishes",
            "wishes-notices",
            DATABASE_URL=wish_db,
            LINLI_DISPATCH_ADDRESS=dispatch_address,
            LINLI_WISH_CLAIM_NOTICE=f"{CLAIM_NOTICE_SECONDS}s",
            **queue,
        )
        stack.start_process(
            "worker",
            "worker-notices",
            LINLI_WISHES_ADDRESS=f"127.0.0.1:{wishes.ports['grpc']}",
            LINLI_DISPATCH_ADDRESS=dispatch_address,
            LINLI_NOTIFY_WEBHOOK_URL=receiver.url,
            **queue,
        )
        channels = [stack.channel(wishes.ports["grpc"]), stack.channel(dispatch.ports["grpc"])]
        own = dataclasses.replace(
            api,
            wishes=wishes_pb2_grpc.WishServiceStub(channels[0]),
            dispatch=dispatch_pb2_grpc.DispatchServiceStub(channels[1]),
        )
        yield NoticePlatform(own, activities_pb2_grpc.ActivityServiceStub(channels[1]), receiver)
    finally:
        for channel in channels:
            await channel.close()
        for name in _PROCESSES:
            if name in stack.processes:
                stack.processes.pop(name).stop()
        receiver.down()
        await drop_database(postgres_server, wish_db)
        await drop_database(postgres_server, dispatch_db)
