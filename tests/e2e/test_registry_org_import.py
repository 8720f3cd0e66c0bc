"""ImportOrgTree over gRPC and ./linli import-org against the running stack: a district in one command, the same
file again changes nothing and says so, a bad row writes nothing and every bad row is named by line and field."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from devstack.stack import LocalStack

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "devstack" / "org_trees" / "jintai.yaml"


async def new_city(api: Api) -> str:
    created = await api.registry.CreateOrgUnit(
        reg.CreateOrgUnitRequest(
            request_id=uuid.uuid4().hex, kind=reg.ORG_UNIT_KIND_CITY, name=f"导入市{uuid.uuid4().hex[:8]}"
        ),
        metadata=api.admin,
    )
    return created.org_unit.id


async def subtree(api: Api, unit_id: str) -> list[reg.OrgUnit]:
    found = await api.registry.ListOrgUnitSubtree(
        reg.ListOrgUnitSubtreeRequest(org_unit_id=unit_id, page_size=1000), metadata=api.admin
    )
    return list(found.org_units)


def run_import(api: Api, stack: LocalStack, file: Path, root: str) -> subprocess.CompletedProcess[str]:
    # Through the ./linli script itself, as an operator runs it.
    command = [str(REPO / "linli"), "import-org", str(file), "--root", root]
    command += ["--address", f"127.0.0.1:{stack.ports.grpc('registry')}", "--cacert", str(stack.ca_file)]
    command += ["--token", api.admin[0][1].removeprefix("Bearer ")]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)


async def test_the_example_district_is_set_up_in_one_command_and_a_rerun_changes_nothing(
    api: Api, stack: LocalStack
) -> None:
    city = await new_city(api)
    first = run_import(api, stack, EXAMPLE, city)
    assert first.returncode == 0, first.stderr
    assert "units 11 new, 0 unchanged; party organisations 13 new, 0 unchanged; teams 8 new" in first.stdout
    units = await subtree(api, city)
    communities = {u.name for u in units if u.kind == reg.ORG_UNIT_KIND_COMMUNITY}
    assert communities == {"陈仓园社区", "三迪社区", "卧龙社区", "宝铁社区", "行政西路社区", "大庆路社区"}
    assert [u.name for u in units if u.kind == reg.ORG_UNIT_KIND_BUILDING] == ["1号楼"]
    again = run_import(api, stack, EXAMPLE, city)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("nothing to change"), again.stdout
    assert "units 0 new, 11 unchanged" in again.stdout
    assert [u.id for u in await subtree(api, city)] == [u.id for u in units]
    orgs = await api.registry.ListPartyOrganisations(
        reg.ListPartyOrganisationsRequest(org_unit_id=city, page_size=100), metadata=api.admin
    )
    assert len(orgs.party_organisations) == 13


async def test_a_bad_row_writes_nothing_and_every_bad_row_is_named_by_line_and_field(
    api: Api, stack: LocalStack, tmp_path: Path
) -> None:
    city = await new_city(api)
    request = reg.ImportOrgTreeRequest(
        request_id=uuid.uuid4().hex,
        root_org_unit_id=city,
        units=[
            reg.ImportedOrgUnit(line=2, path=["区"], kind=reg.ORG_UNIT_KIND_DISTRICT),
            reg.ImportedOrgUnit(line=3, path=["区", "社区"], kind=reg.ORG_UNIT_KIND_COMMUNITY),
        ],
        teams=[reg.ImportedTeam(line=4, unit_path=["区"], kind=reg.TEAM_KIND_PARTY_MEMBER, name="队")],
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await api.registry.ImportOrgTree(request, metadata=api.admin)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    trailers = dict(raised.value.trailing_metadata() or ())  # type: ignore[arg-type]
    bad = error_details_pb2.BadRequest()
    assert status_pb2.Status.FromString(trailers["grpc-status-details-bin"]).details[0].Unpack(bad)
    assert [(v.field, v.description[:7]) for v in bad.field_violations] == [
        ("units[1].kind", "line 3:"),
        ("teams[0].unit_path", "line 4:"),
    ]
    assert await subtree(api, city) == []

    # The command reads a CSV file, names the bad line, and writes nothing either.
    csv_file = tmp_path / "tree.csv"
    csv_file.write_text("record,path,kind,name\nunit,区,district,\nunit,区/街道,grid,\n", encoding="utf-8")
    done = run_import(api, stack, csv_file, city)
    assert done.returncode == 3, done.stdout
    assert "line 3: a grid cannot hang under district (units[1].kind)" in done.stderr
    assert await subtree(api, city) == []


async def test_a_file_with_hundreds_of_bad_rows_is_refused_with_the_first_twenty_named(api: Api) -> None:
    city = await new_city(api)
    units = [
        reg.ImportedOrgUnit(
            line=n + 2, path=["某某区", f"第{n}个很长名字的社区居民委员会"], kind=reg.ORG_UNIT_KIND_COMMUNITY
        )
        for n in range(300)
    ]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await api.registry.ImportOrgTree(
            reg.ImportOrgTreeRequest(request_id=uuid.uuid4().hex, root_org_unit_id=city, units=units),
            metadata=api.admin,
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "300 bad rows" in (raised.value.details() or "")
    trailers = dict(raised.value.trailing_metadata() or ())  # type: ignore[arg-type]
    bad = error_details_pb2.BadRequest()
    assert status_pb2.Status.FromString(trailers["grpc-status-details-bin"]).details[0].Unpack(bad)
    assert len(bad.field_violations) == 20 and bad.field_violations[0].description.startswith("line 2:")


async def test_a_retry_with_the_same_request_id_returns_the_first_answer(api: Api) -> None:
    city = await new_city(api)
    request = reg.ImportOrgTreeRequest(
        request_id=uuid.uuid4().hex,
        root_org_unit_id=city,
        units=[reg.ImportedOrgUnit(line=1, path=["区"], kind=reg.ORG_UNIT_KIND_DISTRICT)],
    )
    first = await api.registry.ImportOrgTree(request, metadata=api.admin)
    retry = await api.registry.ImportOrgTree(request, metadata=api.admin)
    assert first == retry and first.changed and first.units_created == 1
    request.request_id = uuid.uuid4().hex
    fresh = await api.registry.ImportOrgTree(request, metadata=api.admin)
    assert (fresh.changed, fresh.units_unchanged) == (False, 1)
