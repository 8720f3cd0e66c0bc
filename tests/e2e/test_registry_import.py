"""Bulk sync over gRPC: ImportMembers reports bad rows by number, re-running changes nothing; ExportMembers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import grpc
import pytest
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from tests.e2e.helpers.community import Community, make_community
from tests.e2e.helpers.ids import new_id_number, new_request_id


def row(community: Community, id_number: str, **fields: object) -> reg.ImportRow:
    values: dict[str, object] = {
        "name": "孙丽",
        "workplace_org": "宝鸡市教育局党委",
        "residence_unit_id": community.grid_id,
        "skills": [reg.SKILL_EDUCATION],
        "tags": ["书法"],
        "management_level": reg.MANAGEMENT_LEVEL_CITY,
        "phone": "13600001111",
        "id_number": id_number,
    }
    values.update(fields)
    return reg.ImportRow(**values)  # type: ignore[arg-type]


async def send(
    rows: list[reg.ImportRow], request_id: str, per_message: int = 3
) -> AsyncIterator[reg.ImportMembersRequest]:
    for start in range(0, len(rows), per_message):
        yield reg.ImportMembersRequest(request_id=request_id, rows=rows[start : start + per_message])


async def import_rows(api: Api, rows: list[reg.ImportRow], **kwargs: object) -> reg.ImportMembersResponse:
    request_id = str(kwargs.pop("request_id", new_request_id()))
    metadata = kwargs.pop("metadata", api.admin)
    return await api.registry.ImportMembers(send(rows, request_id), metadata=metadata)  # type: ignore[arg-type]


async def test_an_import_reports_bad_rows_by_number_and_a_rerun_changes_nothing(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    ids = [new_id_number() for _ in range(5)]
    bad_check_digit = ids[0][:17] + ("0" if ids[0][17] != "0" else "1")
    rows = [
        row(community, ids[0]),
        row(community, bad_check_digit),  # 2
        row(community, ids[1], phone="12345"),  # 3
        row(community, ids[2], residence_unit_id=community.street_id),  # 4
        row(community, ids[3], name=" "),  # 5
        row(community, ids[1], name="周杰"),
        row(community, ids[0], name="重复"),  # 7: the same person as row 1
        row(community, ids[4], residence_unit_id="999999999"),  # 8
        row(community, ids[2], residence_unit_id=community.community_id, skills=[reg.SKILL_LEGAL, 99]),  # 9
    ]
    result = await import_rows(api, rows)
    assert (result.rows_received, result.inserted, result.updated, result.unchanged, result.failed) == (9, 2, 0, 0, 7)
    assert [(e.row_number, e.field) for e in result.errors] == [
        (2, "id_number"),
        (3, "phone"),
        (4, "residence_unit_id"),
        (5, "name"),
        (7, "id_number"),
        (8, "residence_unit_id"),
        (9, "skills[1]"),
    ]

    again = await import_rows(api, rows)
    assert (again.inserted, again.updated, again.unchanged, again.failed) == (0, 0, 2, 7)

    # A retry of the first import returns its first answer.
    retried = await import_rows(api, rows[:1], request_id="same-import")
    assert (await import_rows(api, rows, request_id="same-import")) == retried

    other = await make_community(api)
    changed = [row(community, ids[0], phone="13600002222"), row(other, ids[1], name="周杰")]
    moved = await import_rows(api, changed)
    assert (moved.inserted, moved.updated, moved.unchanged, moved.failed) == (0, 2, 0, 0)

    found = await api.registry.SearchMembers(reg.SearchMembersRequest(org_unit_id=other.street_id), metadata=api.admin)
    [member] = found.members
    assert member.name == "周杰" and member.id_number.startswith("610302")
    history = (
        await api.registry.ListMemberResidences(
            reg.ListMemberResidencesRequest(member_id=member.id), metadata=api.admin
        )
    ).residences
    assert [(r.residence_unit_id, r.reason) for r in history] == [
        (community.grid_id, "imported"),
        (other.grid_id, "moved by import"),
    ]
    conn = await asyncpg.connect(stack.database_url)
    try:
        actions = await conn.fetch(
            "select action from registry.audit_log where subject_kind = 'member' and subject_id = $1 order by id",
            member.id,
        )
        stored = await conn.fetchval("select phone_sealed from registry.members where id = $1", int(member.id))
    finally:
        await conn.close()
    assert [a["action"] for a in actions] == ["import_member", "update_member"]
    assert b"13600001111" not in stored


async def test_a_community_scoped_import_cannot_take_over_members_of_another_community(api: Api) -> None:
    mine, theirs = await make_community(api), await make_community(api)
    id_number = new_id_number()
    await import_rows(api, [row(theirs, id_number)])
    staff = api.token(Role.STAFF, scope=mine.community_id, subject="staff-import")
    result = await import_rows(
        api, [row(mine, new_id_number()), row(mine, id_number), row(theirs, new_id_number())], metadata=staff
    )
    assert (result.inserted, result.failed) == (1, 2)
    assert [(e.row_number, e.field) for e in result.errors] == [(2, "id_number"), (3, "residence_unit_id")]


async def test_export_streams_every_member_of_the_subtree_masked(api: Api) -> None:
    community = await make_community(api)
    rows = [row(community, new_id_number(), name=f"党员{n:04d}") for n in range(1203)]
    result = await import_rows(api, rows)
    assert result.inserted == 1203
    names: list[str] = []
    async for batch in api.registry.ExportMembers(
        reg.ExportMembersRequest(org_unit_id=community.street_id), metadata=api.admin
    ):
        names += [m.name for m in batch.members]
        assert all("*" in m.id_number and not m.personal_data_revealed for m in batch.members)
    assert sorted(names) == sorted(r.name for r in rows) and len(names) == 1203
    outsider = api.token(Role.STAFF, scope=(await make_community(api)).community_id, subject="outsider")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        async for _ in api.registry.ExportMembers(
            reg.ExportMembersRequest(org_unit_id=community.street_id), metadata=outsider
        ):
            pass
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_the_csv_command_imports_a_file_and_names_bad_lines(api: Api, stack: LocalStack, tmp_path: Path) -> None:
    community = await make_community(api)
    good, bad = new_id_number(), new_id_number()[:17] + "Y"
    csv_file = tmp_path / "members.csv"
    csv_file.write_text(
        "name,workplace_org,residence_unit_id,skills,tags,management_level,phone,id_number\n"
        f"马丽,宝鸡市文旅局党组,{community.grid_id},culture_arts;education,舞蹈,city,139 1234 0000,{good}\n"
        f"牛强,宝鸡市文旅局党组,{community.grid_id},,,district,13912340001,{bad}\n",
        encoding="utf-8",
    )
    repo = Path(__file__).resolve().parents[2]
    command = [
        sys.executable,
        "-m",
        "devstack",
        "import-members",
        str(csv_file),
        "--address",
        f"127.0.0.1:{stack.ports.grpc('registry')}",
        "--token",
        api.admin[0][1].removeprefix("Bearer "),
        "--cacert",
        str(stack.ca_file),
    ]
    env = {**os.environ, "PYTHONPATH": f"{repo}:{repo / 'protos'}"}
    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert "2 rows: 1 new, 0 updated, 0 unchanged, 1 rejected" in done.stdout
    assert "line 3: id_number:" in done.stdout
    found = await api.registry.SearchMembers(
        reg.SearchMembersRequest(org_unit_id=community.community_id), metadata=api.admin
    )
    assert [(m.name, list(m.skills)) for m in found.members] == [
        ("马丽", [reg.SKILL_CULTURE_ARTS, reg.SKILL_EDUCATION])
    ]
