"""Emergency alerts on a platform of their own: a dispatch service and a worker with short time-outs, their own
database and task queue, and notices sent to a real HTTP receiver on loopback, beside the main stack's registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.dispatch.v1 import dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api, Metadata
from devstack.stack import LocalStack
from services.dispatch.__main__ import MIGRATIONS
from services.runtime.auth import Role
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.helpers.databases import create_database, drop_database, migrate_with_ids_from
from tests.helpers.notice_gateway import NoticeGateway

ACK_TIMEOUT = 3.0  # seconds each volunteer (and community staff) has to answer, in these tests


@dataclass
class AlertPlatform:
    stack: LocalStack
    dispatch: dispatch_pb2_grpc.DispatchServiceStub
    receiver: NoticeGateway
    worker_env: dict[str, str] = field(default_factory=dict)
    metrics_port: int = 0
    database: str = ""
    # Its processes are dispatch-<tag> and worker-<tag>, its task queues <tag>-e2e and (alerts) <tag>-e2e-emergency.
    tag: str = "alerts"

    def restart_worker(self) -> None:
        self.stack.processes.pop(f"worker-{self.tag}").stop()
        self.start_worker()

    def start_worker(self) -> None:
        self.stack.start_process("worker", f"worker-{self.tag}", **self.worker_env)


@asynccontextmanager
async def running_alert_platform(
    stack: LocalStack, postgres_server: str, tag: str = "alerts", first_alert_id: int = 50000000
) -> AsyncIterator[AlertPlatform]:
    """Its own dispatch database (alert ids far above the main stack's, as both share one Temporal namespace) and
    task queue, so its time-outs and webhook touch no other test. A second one beside it takes another `tag` and
    `first_alert_id`."""
    database = await create_database(postgres_server)
    await migrate_with_ids_from(database, "dispatch", MIGRATIONS, "alerts", first_alert_id)
    receiver = NoticeGateway().up()
    shared = {"DATABASE_URL": database, "LINLI_TASK_QUEUE": f"{tag}-e2e"}
    dispatch = stack.start_process(
        "dispatch",
        f"dispatch-{tag}",
        LINLI_ALERT_ACK_TIMEOUT=f"{ACK_TIMEOUT:g}s",
        LINLI_ALERT_STAFF_TIMEOUT=f"{ACK_TIMEOUT:g}s",
        LINLI_OUTBOX_POLL="500ms",
        **shared,
    )
    port, metrics_port = dispatch.ports["grpc"], dispatch.ports["metrics"]
    worker_env = {
        **shared,
        "LINLI_DISPATCH_ADDRESS": f"127.0.0.1:{port}",
        "LINLI_NOTIFY_WEBHOOK_URL": receiver.url,
    }
    platform = AlertPlatform(stack, None, receiver, worker_env, metrics_port, database, tag)  # type: ignore[arg-type]
    platform.start_worker()
    channel = stack.channel(port)
    platform.dispatch = dispatch_pb2_grpc.DispatchServiceStub(channel)
    try:
        yield platform
    finally:
        await channel.close()
        for name in (f"worker-{tag}", f"dispatch-{tag}"):
            if name in stack.processes:
                stack.processes.pop(name).stop()
        receiver.down()
        await drop_database(postgres_server, database)


@dataclass
class Scene:
    community_id: str
    street_id: str
    grid_id: str
    building_id: str
    in_building: str
    in_grid: str
    in_community: str

    @property
    def everyone(self) -> list[str]:
        """Whom an alert in the building calls, in order, when nobody answers: nearest first, then staff, the street."""
        return [
            f"member:{self.in_building}",
            f"member:{self.in_grid}",
            f"member:{self.in_community}",
            f"org:{self.community_id}",
            f"org:{self.street_id}",
        ]


async def scene(api: Api, platform: AlertPlatform) -> Scene:
    """A community with a grid and a building, three volunteers on duty all week — rostered farthest first."""
    community = await make_community(api)
    building = await api.registry.CreateOrgUnit(
        reg.CreateOrgUnitRequest(
            request_id=new_request_id(), parent_id=community.grid_id, kind=reg.ORG_UNIT_KIND_BUILDING, name="3号楼"
        ),
        metadata=api.admin,
    )
    building_id = building.org_unit.id
    in_building = (await register_member(api, building_id, name="李楼")).id
    in_grid = (await register_member(api, community.grid_id, name="赵格")).id
    in_community = (await register_member(api, community.community_id, name="孙社")).id
    slots = [
        dis.WeeklyDutySlot(weekday=day, slot=dis.DutySlot(member_id=member))
        for day in range(1, 8)
        for member in (in_community, in_grid, in_building)
    ]
    await platform.dispatch.SetWeeklyDutyPattern(
        dis.SetWeeklyDutyPatternRequest(request_id=new_request_id(), community_id=community.community_id, slots=slots),
        metadata=api.admin,
    )
    return Scene(
        community.community_id,
        community.street_id,
        community.grid_id,
        building_id,
        in_building,
        in_grid,
        in_community,
    )


async def raise_alert(
    api: Api,
    platform: AlertPlatform,
    unit_id: str,
    request_id: str | None = None,
    address: str = "2单元301",
    device_id: str = "nanny-0042",
) -> dis.Alert:
    response = await platform.dispatch.RaiseAlert(
        dis.RaiseAlertRequest(
            request_id=request_id or new_request_id(),
            kind=dis.ALERT_KIND_FALL,
            unit_id=unit_id,
            address=address,
            device_id=device_id,
        ),
        metadata=api.token(Role.SYSTEM, subject="elder-care-monitoring"),
    )
    return response.alert


async def timeline(api: Api, platform: AlertPlatform, alert_id: str) -> list[dis.AlertEvent]:
    response = await platform.dispatch.GetAlert(dis.GetAlertRequest(alert_id=alert_id), metadata=api.admin)
    return list(response.timeline)


def calls(events: list[dis.AlertEvent]) -> list[str]:
    return [e.recipient for e in events if e.kind == dis.ALERT_EVENT_KIND_CALLED]


async def called(api: Api, platform: AlertPlatform, alert_id: str) -> list[str]:
    return calls(await timeline(api, platform, alert_id))


def as_member(api: Api, member_id: str, community_id: str) -> Metadata:
    return api.token(Role.MEMBER, scope=community_id, subject=member_id)


async def cancel(api: Api, platform: AlertPlatform, alert_id: str) -> dis.Alert:
    response = await platform.dispatch.CancelAlert(
        dis.CancelAlertRequest(request_id=new_request_id(), alert_id=alert_id, reason="误报"), metadata=api.admin
    )
    return response.alert
