"""What `./linli up` and `./linli demo` do: demo data, the demo's walk of one wish, and the local run itself."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
import pytest
from linli.dispatch.v1 import dispatch_pb2 as dsp
from linli.registry.v1 import commitments_pb2 as com
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish
from temporalio.client import Client

from devstack.__main__ import _demo
from devstack.client import Api, connect
from devstack.demo_data import MEMBERS, PLACES, WISHES, load_demo_data
from devstack.processes import ChildProcess
from devstack.stack import REPO, LocalStack, Ports, Secrets
from tests.helpers.databases import create_database, drop_database
from tests.helpers.notice_gateway import NoticeGateway


async def test_demo_data_loads_the_designed_places_and_a_second_load_changes_nothing(api: Api) -> None:
    first = await load_demo_data(api, say=lambda _: None)
    second = await load_demo_data(api, say=lambda _: None)
    assert first == second
    assert {"祥富里社区", "共和路社区", "陈仓园社区", "安达社区"} <= set(first.org_units)
    assert len(first.org_units) == len({place[-1] for place in PLACES} | {place[4] for place in PLACES})
    assert len(first.members) == len(MEMBERS) and len(first.wishes) == len(WISHES)
    claimed = await api.wishes.GetWish(wish.GetWishRequest(wish_id=first.wishes["dance"]), metadata=api.admin)
    assert claimed.wish.state == wish.WISH_STATE_CLAIMED
    assert claimed.wish.claimant_member_id == first.members["赵敏"]
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    committed = await api.registry.GetServiceCommitment(
        com.GetServiceCommitmentRequest(member_id=first.members["郑红"], year=year), metadata=api.admin
    )
    assert (committed.commitment.services, committed.commitment.hours) == (24, 48.0)


async def test_the_demo_walks_one_wish_to_claimed_and_prints_each_step(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _demo(stack.secrets, stack.ports, stack.ca_file) == 0
    out = capsys.readouterr().out
    steps = [line.split()[0] for line in out.splitlines() if " state " in line]
    assert steps == ["submit", "review", "publish", "claim"]
    assert "state CLAIMED" in out and "recommended #1" in out
    assert "刘秀英" not in out  # the resident's name is shown masked


async def test_the_demo_walks_an_alert_from_raised_to_resolved_by_the_volunteer_on_duty(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _demo(stack.secrets, stack.ports, stack.ca_file, "alert") == 0
    out = capsys.readouterr().out
    steps = [line.split()[0] for line in out.splitlines() if " state " in line]
    assert steps == ["raise", "answer", "arrive", "resolve"]
    assert "state RESOLVED" in out and "called     member:" in out
    assert "called" in out.split("timeline:")[1] and "resolved" in out.split("timeline:")[1]
    assert "3号楼2单元301" not in out  # the address is shown masked


async def test_the_demo_walks_the_festival_from_proposed_to_signed_up(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _demo(stack.secrets, stack.ports, stack.ca_file, "activity") == 0
    out = capsys.readouterr().out
    steps = [line.split()[0] for line in out.splitlines() if " state " in line]
    assert steps == ["propose", "approve", "publish"]
    assert "state PUBLISHED" in out
    assert out.count("sign up    ") == 2 and "refused" not in out


async def test_the_demo_walks_last_weeks_report_of_the_district(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _demo(stack.secrets, stack.ports, stack.ca_file, "report") == 0
    out = capsys.readouterr().out
    assert "金台区: the week of " in out and "members registered " in out and "wishes at the week's end" in out


async def _running(up: ChildProcess, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while "linli is running" not in (out := up.log_tail(20_000)):
        assert up.alive() and time.monotonic() < deadline, out
        await asyncio.sleep(0.2)
    return out


async def test_the_local_run_passes_the_configuration_table_on_to_its_processes_and_says_what_it_set(
    postgres_server: str, tmp_path: Path
) -> None:
    """`./linli up` with two settings of docs/configuration.md: the wish's review reminder comes after 1 s, and the
    alert's call reaches the gateway the environment names; its own Temporal, a database of its own."""
    database = await create_database(postgres_server)
    gateway = NoticeGateway().up()
    settings = {"LINLI_WISH_REVIEW_LIMIT": "1s", "LINLI_NOTIFY_WEBHOOK_URL": gateway.url}
    home = tmp_path / "home"
    up = ChildProcess(
        "up",
        [sys.executable, "-m", "devstack", "up", "--home", str(home), "--any-ports"],
        tmp_path / "up.log",
        {**os.environ, "DATABASE_URL": database, **settings},
        REPO,
    ).start()
    try:
        out = await _running(up)
        assert "LINLI_WISH_REVIEW_LIMIT=1s" in out and f"LINLI_NOTIFY_WEBHOOK_URL={gateway.url}" in out
        ports = {name: int(port) for name, port in re.findall(r"^  (\w+) +gRPC 127\.0\.0\.1:(\d+)", out, re.MULTILINE)}
        ca_file = home / "tls" / "ca.pem"
        assert f"grpcurl -cacert {ca_file}" in out  # TLS by default, and the way to call it shown
        for child in psutil.Process(up.pid).children(recursive=True):
            if "services.wishes" in child.cmdline() or "workflows.worker" in child.cmdline():
                assert settings.items() <= child.environ().items()
                assert child.environ()["LINLI_TLS_CA_FILE"] == str(ca_file)

        stack_ports = replace(Ports.pick(), **ports)
        async with connect(stack_ports, Secrets.load_or_create(home / "secrets.json"), ca_file) as api:
            data = await load_demo_data(api, say=lambda _: None)
            submitted = await api.wishes.SubmitWish(
                wish.SubmitWishRequest(
                    request_id="local-run-review",
                    community_id=data.org_units["陈仓园社区"],
                    text="想找人陪老人下棋",
                    source=wish.WISH_SOURCE_VISIT,
                    resident_name="孙大爷",
                ),
                metadata=api.admin,
            )
            raised = await api.dispatch.RaiseAlert(
                dsp.RaiseAlertRequest(
                    request_id="local-run-alert",
                    kind=dsp.ALERT_KIND_FALL,
                    unit_id=data.org_units["祥富里社区"],
                    address="3号楼2单元",
                ),
                metadata=api.admin,
            )
            deadline = time.monotonic() + 60
            while True:
                history = await api.wishes.GetWishHistory(
                    wish.GetWishHistoryRequest(wish_id=submitted.wish.id), metadata=api.admin
                )
                reminded = [e for e in history.events if e.kind == wish.WISH_EVENT_KIND_REMINDER]
                called = gateway.notices("alert", alert_id=raised.alert.id)
                if reminded and called:
                    break
                assert time.monotonic() < deadline, f"reminded: {reminded}, called: {called}"
                await asyncio.sleep(0.3)
            # The demo's districts get their report Schedules without anyone asking (LINLI_REPORT_UNITS).
            community = await api.registry.GetOrgUnit(
                reg.GetOrgUnitRequest(org_unit_id=data.org_units["陈仓园社区"]), metadata=api.admin
            )
            district_id = community.org_unit.ancestor_ids[2]  # province, city, district
            temporal_address = re.findall(r"^  Temporal +(\S+)", out, re.MULTILINE)[0]
            temporal = await Client.connect(temporal_address)
            while True:
                ids = [s.id async for s in await temporal.list_schedules()]
                if {f"reports-weekly-{district_id}", f"reports-yearly-{district_id}"} <= set(ids):
                    break
                assert time.monotonic() < deadline, f"schedules: {ids}"
                await asyncio.sleep(0.3)
    finally:
        up.process.send_signal(signal.SIGTERM)
        assert up.process.wait(60) == 0
        gateway.down()
        await drop_database(postgres_server, database)
    assert "linli: stopped" in up.log_tail()
