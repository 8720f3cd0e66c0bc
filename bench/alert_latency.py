"""Alert to first notification: alerts raised at a steady rate (20/s) on the local Temporal dev server; the time
from the RaiseAlert call to the first notice reaching a webhook receiver, p50 and p99, and the ratio to a bare
Temporal workflow sending the same notice through the same sender, on the same Temporal server in the same run.

    ./linli bench alert_latency [--rate 20] [--seconds 30] [--quick]

Ours: RaiseAlert over gRPC (checks, the alert and its outbox row committed) → the relay's signal-with-start →
EmergencyDispatch → its call list (an activity calling the dispatch service, which reads the roster and the
registry) → the "called" step recorded (an activity calling the dispatch service) → the notice POSTed by the
send activity of the linli worker. Bare: client.start_workflow → one activity POSTing the same notice with the
same WebhookNotifier (its worker a process of its own, like the linli worker). The receiver is an asyncio HTTP server in the
benchmark's process, so both clocks are one clock. Alerts are raised on schedule (open loop), not back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable

from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.dispatch.v1 import dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc
from temporalio.client import Client

from bench._bare_alert import BareAlert
from bench._harness import Load, emit, main, platform_on, ratio, servers
from bench.import_members import admin_metadata, id_number, make_tree
from devstack.processes import ChildProcess
from devstack.stack import REPO
from workflows.notices import Notice


class Receiver:
    """A minimal HTTP receiver: the first time a notice of each alert arrives, by the benchmark's clock."""

    def __init__(self) -> None:
        self.port = 0  # bound when it starts
        self.first_seen: dict[str, float] = {}
        self.received = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/notices"

    async def start(self) -> asyncio.Server:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        return server

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.decode("latin-1").split("\r\n"):
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            body = json.loads(await reader.readexactly(length))
            now = time.perf_counter()
            self.received += 1
            if body["purpose"] == "alert":
                self.first_seen.setdefault(body["alert_id"], now)
            writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
        finally:
            writer.close()


async def open_loop(raise_one: Callable[[int], Awaitable[str]], rate: float, seconds: float) -> dict[str, float]:
    """Calls raise_one(i) at `rate` a second for `seconds`, on schedule; returns {alert id: time it was raised}."""
    raised: dict[str, float] = {}
    count = int(rate * seconds)
    began = time.perf_counter()

    async def one(i: int) -> None:
        await asyncio.sleep(max(0.0, began + i / rate - time.perf_counter()))
        at = time.perf_counter()
        raised[await raise_one(i)] = at

    results = await asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        raise RuntimeError(f"{len(failures)} of {count} raises failed, e.g. {failures[0]!r}")
    return raised


async def latencies(receiver: Receiver, raised: dict[str, float], wait: float = 60.0) -> Load:
    deadline = time.perf_counter() + wait
    while len([a for a in raised if a in receiver.first_seen]) < len(raised) and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
    load = Load()
    for alert_id, at in raised.items():
        if alert_id in receiver.first_seen:
            load.latencies.append(receiver.first_seen[alert_id] - at)
        else:
            load.errors += 1
    load.seconds = max(load.latencies, default=0.0)
    return load


async def benchmark() -> None:
    parser = argparse.ArgumentParser(prog="./linli bench alert_latency")
    parser.add_argument("--rate", type=float, default=20.0, help="alerts raised a second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long alerts are raised")
    parser.add_argument("--quick", action="store_true", help="10 seconds")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 10.0

    receiver = Receiver()
    server = await receiver.start()
    async with (
        servers() as bench_servers,
        platform_on(
            bench_servers,
            ("registry", "wishes", "dispatch", "worker"),
            LINLI_NOTIFY_WEBHOOK_URL=receiver.url,
            LINLI_ALERT_ACK_TIMEOUT="10m",  # nobody escalates during the run
            LINLI_LOG_LEVEL="WARNING",
        ) as stack,
    ):
        metadata = admin_metadata(stack.secrets.issuer)
        async with (
            stack.channel(stack.ports.grpc("registry")) as registry_channel,
            stack.channel(stack.ports.grpc("dispatch")) as dispatch_channel,
        ):
            registry = registry_pb2_grpc.RegistryServiceStub(registry_channel)
            dispatch = dispatch_pb2_grpc.DispatchServiceStub(dispatch_channel)
            tree = await make_tree(registry, metadata, streets=1, communities=1)
            community_id = (
                await registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=tree.grid_ids[0]), metadata=metadata)
            ).org_unit.parent_id
            on_duty = []
            for i in range(3):
                member = await registry.RegisterMember(
                    reg.RegisterMemberRequest(
                        request_id=uuid.uuid4().hex,
                        name=f"值班{i}",
                        workplace_org="宝鸡市机关党委",
                        residence_unit_id=tree.grid_ids[i % 2],
                        management_level=reg.MANAGEMENT_LEVEL_DISTRICT,
                        phone=f"137{i:08d}",
                        id_number=id_number(i),
                    ),
                    metadata=metadata,
                )
                on_duty.append(member.member.id)
            await dispatch.SetWeeklyDutyPattern(
                dis.SetWeeklyDutyPatternRequest(
                    request_id=uuid.uuid4().hex,
                    community_id=community_id,
                    slots=[
                        dis.WeeklyDutySlot(weekday=d, slot=dis.DutySlot(member_id=m))
                        for d in range(1, 8)
                        for m in on_duty
                    ],
                ),
                metadata=metadata,
            )

            async def raise_ours(i: int) -> str:
                response: dis.RaiseAlertResponse = await dispatch.RaiseAlert(
                    dis.RaiseAlertRequest(
                        request_id=f"bench-{i}",
                        kind=dis.ALERT_KIND_FALL,
                        unit_id=tree.grid_ids[0],
                        address=f"{i % 6 + 1}单元{i % 30 + 1:02d}室",
                        device_id=f"nanny-{i:05d}",
                    ),
                    metadata=metadata,
                    timeout=10,
                )
                return response.alert.id

            await raise_ours(-1)  # warm-up: connections, caches, the first workflow task
            raised = await open_loop(raise_ours, args.rate, args.seconds)
            ours = await latencies(receiver, raised)
            # Where the time goes, by the database's clock: raised → the first call recorded by the workflow.
            to_called = Load()
            for alert_id in list(raised)[:: max(1, len(raised) // 100)]:
                alert = await dispatch.GetAlert(dis.GetAlertRequest(alert_id=alert_id), metadata=metadata)
                first_call = next(e for e in alert.timeline if e.kind == dis.ALERT_EVENT_KIND_CALLED)
                to_called.latencies.append(
                    (first_call.time.ToDatetime() - alert.alert.raise_time.ToDatetime()).total_seconds()
                )

        client = await Client.connect(bench_servers.temporal_address)
        task_queue = f"bare-alert-{uuid.uuid4().hex[:6]}"

        async def raise_bare(i: int) -> str:
            alert_id = f"bare-{task_queue}-{i}"
            notice = Notice(f"{alert_id}/alert", alert_id, "alert", "member:1", "fall", "1", "1单元01室", "bench")
            await client.start_workflow(BareAlert.run, notice, id=alert_id, task_queue=task_queue)
            return alert_id

        # The bare worker in a process of its own, as the linli worker is.
        bare_worker = ChildProcess(
            "bare-worker",
            [sys.executable, "-m", "bench._bare_alert", bench_servers.temporal_address, task_queue, receiver.url],
            bench_servers.home / "bare-worker.log",
            cwd=REPO,
        ).start()
        try:
            await raise_bare(-1)
            await latencies(receiver, {f"bare-{task_queue}--1": time.perf_counter()}, wait=60)
            bare = await latencies(receiver, await open_loop(raise_bare, args.rate, args.seconds))
        finally:
            bare_worker.stop()
    server.close()

    emit(
        "alert_latency",
        rate_per_s=args.rate,
        seconds=args.seconds,
        alerts=len(ours.latencies) + ours.errors,
        ours_notified=len(ours.latencies),
        ours_lost=ours.errors,
        ours_p50_ms=round(ours.percentile(50), 1),
        ours_p99_ms=round(ours.percentile(99), 1),
        ours_max_ms=round(max(ours.latencies, default=0) * 1000, 1),
        ours_to_first_call_p50_ms=round(to_called.percentile(50), 1),
        ours_to_first_call_p99_ms=round(to_called.percentile(99), 1),
        bare_notified=len(bare.latencies),
        bare_lost=bare.errors,
        bare_p50_ms=round(bare.percentile(50), 1),
        bare_p99_ms=round(bare.percentile(99), 1),
        ratio_p50=ratio(ours.percentile(50), bare.percentile(50)),
        ratio_p99=ratio(ours.percentile(99), bare.percentile(99)),
    )


if __name__ == "__main__":
    main(benchmark)
