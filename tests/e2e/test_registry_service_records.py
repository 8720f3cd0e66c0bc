"""Service records (纪实) over gRPC: idempotent by source, summed per member and per org subtree."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.checks import refused
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import stamp


async def record(
    api: Api,
    member_id: str,
    source_id: str,
    *,
    kind: int = reg.SERVICE_KIND_WISH,
    category: str = "culture",
    hours: float = 1.5,
    served_at: datetime | None = None,
    metadata: tuple[tuple[str, str], ...] | None = None,
) -> reg.RecordServiceResponse:
    return await api.registry.RecordService(
        reg.RecordServiceRequest(
            request_id=new_request_id(),
            member_id=member_id,
            kind=kind,
            source_id=source_id,
            category=category,
            hours=hours,
            served_at=stamp(served_at or datetime.now(UTC) - timedelta(hours=1)),
            note="送音响到幸福里",
        ),
        metadata=metadata or api.admin,
    )


async def test_a_second_record_of_the_same_source_returns_the_first(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.grid_id)
    service = api.token(Role.SERVICE, subject="service:worker")
    first = await record(api, member.id, "42", hours=2, metadata=service)
    again = await record(api, member.id, "42", hours=5, category="legal", metadata=service)
    assert first.created and not again.created
    assert again.record == first.record
    assert first.record.hours == 2 and first.record.kind == reg.SERVICE_KIND_WISH
    other_kind = await record(api, member.id, "42", kind=reg.SERVICE_KIND_ACTIVITY, metadata=service)
    assert other_kind.created and other_kind.record.id != first.record.id


async def test_member_summary_sums_hours_by_kind_and_category_within_the_period(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.grid_id)
    now = datetime.now(UTC)
    await record(api, member.id, "1", category="culture", hours=1.5, served_at=now - timedelta(days=3))
    await record(api, member.id, "2", category="culture", hours=2, served_at=now - timedelta(days=2))
    await record(api, member.id, "3", kind=reg.SERVICE_KIND_ALERT, category="fall", hours=0.5)
    await record(api, member.id, "4", category="legal", hours=4, served_at=now - timedelta(days=40))

    summary = await api.registry.GetMemberServiceSummary(
        reg.GetMemberServiceSummaryRequest(
            member_id=member.id, start_time=stamp(now - timedelta(days=7)), end_time=stamp(now)
        ),
        metadata=api.admin,
    )
    totals = {(t.kind, t.category): (t.count, t.hours) for t in summary.totals}
    assert totals == {(reg.SERVICE_KIND_WISH, "culture"): (2, 3.5), (reg.SERVICE_KIND_ALERT, "fall"): (1, 0.5)}
    assert (summary.count, summary.hours) == (3, 4.0)

    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
    everything = await api.registry.GetMemberServiceSummary(
        reg.GetMemberServiceSummaryRequest(member_id=member.id), metadata=as_member
    )
    assert (everything.count, everything.hours) == (4, 8.0)


async def test_registry_stats_count_registrations_members_and_services_in_the_subtree(api: Api) -> None:
    before = datetime.now(UTC)
    community = await make_community(api)
    elsewhere = await make_community(api)
    first = await register_member(api, community.grid_id)
    second = await register_member(api, community.community_id)
    outsider = await register_member(api, elsewhere.grid_id)
    await record(api, first.id, "10", hours=2)
    await record(api, second.id, "11", hours=1, kind=reg.SERVICE_KIND_ACTIVITY, category="party-lesson")
    await record(api, outsider.id, "12", hours=9)
    service = api.token(Role.SERVICE, subject="service:worker")

    stats = await api.registry.GetRegistryStats(
        reg.GetRegistryStatsRequest(
            org_unit_id=community.street_id,
            start_time=stamp(before - timedelta(hours=2)),
            end_time=stamp(datetime.now(UTC) + timedelta(seconds=1)),
        ),
        metadata=service,
    )
    assert (stats.members_registered, stats.members_active, stats.services, stats.hours) == (2, 2, 2, 3.0)
    assert {(t.kind, t.category, t.count) for t in stats.totals} == {
        (reg.SERVICE_KIND_WISH, "culture", 1),
        (reg.SERVICE_KIND_ACTIVITY, "party-lesson", 1),
    }
    earlier = await api.registry.GetRegistryStats(
        reg.GetRegistryStatsRequest(org_unit_id=community.street_id, end_time=stamp(before)), metadata=service
    )
    assert (earlier.members_registered, earlier.members_active) == (0, 0)


async def test_service_records_check_input_role_and_scope(api: Api) -> None:
    community, other = await make_community(api), await make_community(api)
    member = await register_member(api, community.grid_id)
    cases = [
        (dict(kind=reg.SERVICE_KIND_UNSPECIFIED), "kind"),
        (dict(source_id=" "), "source_id"),
        (dict(hours=-1), "hours"),
        (dict(hours=float("nan")), "hours"),
        (dict(served_at=datetime.now(UTC) + timedelta(days=2)), "served_at"),
    ]
    for overrides, field in cases:
        fields = {"source_id": "9", **overrides}
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await record(api, member.id, **fields)  # type: ignore[arg-type]
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.value.details().startswith(f"{field}:")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await record(api, "999999999", "9")
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    outsider_staff = api.token(Role.STAFF, scope=other.community_id, subject="staff-other")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await record(api, member.id, "9", metadata=outsider_staff)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await record(api, member.id, "9", metadata=as_member)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.GetRegistryStats(
            reg.GetRegistryStatsRequest(org_unit_id=community.street_id), metadata=outsider_staff
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    now = datetime.now(UTC)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.GetMemberServiceSummary(
            reg.GetMemberServiceSummaryRequest(member_id=member.id, start_time=stamp(now), end_time=stamp(now)),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and error.value.details().startswith("end_time:")


async def test_past_services_stay_with_the_street_they_were_given_in_after_a_transfer_and_a_move(api: Api) -> None:
    first, second = await make_community(api), await make_community(api)
    member = await register_member(api, first.grid_id)
    await record(api, member.id, "100", hours=2)
    await api.registry.TransferMember(
        reg.TransferMemberRequest(
            request_id=new_request_id(), member_id=member.id, residence_unit_id=second.grid_id, reason="搬家"
        ),
        metadata=api.admin,
    )
    await record(api, member.id, "101", hours=3, served_at=datetime.now(UTC))
    # The second community (with its grid) moves under the first street.
    await api.registry.MoveOrgUnit(
        reg.MoveOrgUnitRequest(
            request_id=new_request_id(), org_unit_id=second.community_id, new_parent_id=first.street_id
        ),
        metadata=api.admin,
    )
    end = stamp(datetime.now(UTC) + timedelta(seconds=1))

    async def stats(unit_id: str) -> tuple[int, int, float]:
        s = await api.registry.GetRegistryStats(
            reg.GetRegistryStatsRequest(org_unit_id=unit_id, end_time=end), metadata=api.admin
        )
        return s.members_active, s.services, s.hours

    # The member lives in the first street now; the service given while the community hung under the second
    # street stays with the second street, and with the community itself.
    assert await stats(first.street_id) == (1, 1, 2.0)
    assert await stats(second.street_id) == (0, 1, 3.0)
    assert await stats(second.community_id) == (1, 1, 3.0)
    assert await stats(first.community_id) == (0, 1, 2.0)


async def test_a_team_volunteer_who_is_not_a_member_has_service_recorded_once_counted_apart_in_scope(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    team = (
        await api.registry.CreateTeam(
            reg.CreateTeamRequest(
                request_id=new_request_id(),
                org_unit_id=community.community_id,
                kind=reg.TEAM_KIND_YOUTH_LEAGUE_PUBLICITY,
                name="团委宣传队",
            ),
            metadata=api.admin,
        )
    ).team

    async def add(**who: object) -> reg.TeamMember:
        request = reg.AddTeamMemberRequest(request_id=new_request_id(), team_id=team.id, **who)  # type: ignore[arg-type]
        return (await api.registry.AddTeamMember(request, metadata=api.admin)).team_member

    resident = await add(volunteer=reg.ResidentVolunteer(name="郑小燕", phone="13700005555"))
    listed_member = await add(member_id=member.id)
    staff = api.token(Role.STAFF, scope=community.community_id, subject="staff-zheng")
    request = reg.RecordServiceRequest(
        request_id=new_request_id(),
        team_id=team.id,
        team_member_id=resident.id,
        kind=reg.SERVICE_KIND_ACTIVITY,
        source_id="activity-7",
        hours=2,
    )
    first = await api.registry.RecordService(request, metadata=staff)
    assert first.created and first.record.member_id == ""
    assert (first.record.team_id, first.record.team_member_id) == (team.id, resident.id)
    assert "郑" not in str(first.record)  # ids only: the volunteer's name stays sealed in the team
    again = await api.registry.RecordService(request, metadata=staff)  # the same request id: the first answer
    assert not again.created and again.record.id == first.record.id
    request.request_id = new_request_id()  # another request, the same source: still one record
    assert (await api.registry.RecordService(request, metadata=staff)).record.id == first.record.id

    # A team member who is a registered member is recorded as the member.
    as_member = await api.registry.RecordService(
        reg.RecordServiceRequest(
            request_id=new_request_id(),
            team_member_id=listed_member.id,
            kind=reg.SERVICE_KIND_ACTIVITY,
            source_id="activity-7",
            hours=1,
        ),
        metadata=staff,
    )
    assert as_member.record.member_id == member.id and as_member.record.team_member_id == ""

    summary = await api.registry.GetMemberServiceSummary(
        reg.GetMemberServiceSummaryRequest(team_member_id=resident.id), metadata=staff
    )
    assert (summary.member_id, summary.team_member_id, summary.count, summary.hours) == ("", resident.id, 1, 2.0)
    member_token = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
    await refused(
        api.registry.GetMemberServiceSummary(
            reg.GetMemberServiceSummaryRequest(team_member_id=resident.id), metadata=member_token
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "team_member_id",
    )
    stats = await api.registry.GetRegistryStats(
        reg.GetRegistryStatsRequest(org_unit_id=community.street_id), metadata=api.admin
    )
    assert (stats.services, stats.hours) == (1, 1.0)
    assert (stats.team_volunteer_services, stats.team_volunteer_hours) == (1, 2.0)

    # The ledger (纪实) of the subtree holds both, the volunteer's by ids only, counted at the team's unit.
    ledger = await api.registry.ListServiceRecords(
        reg.ListServiceRecordsRequest(org_unit_id=community.community_id), metadata=staff
    )
    assert sorted((r.member_id, r.team_member_id) for r in ledger.records) == [("", resident.id), (member.id, "")]
    chunks = [
        c
        async for c in api.registry.ExportServiceRecords(
            reg.ExportServiceRecordsRequest(org_unit_id=community.community_id), metadata=staff
        )
    ]
    rows = list(csv.DictReader(io.StringIO("".join(c.csv for c in chunks))))
    assert chunks[0].total_rows == len(rows) == 2
    volunteer_row = next(r for r in rows if r["team_member_id"])
    assert (volunteer_row["member_id"], volunteer_row["member_name"], volunteer_row["team_id"]) == ("", "", team.id)
    assert volunteer_row["residence_unit_id"] == community.community_id and "郑" not in "".join(c.csv for c in chunks)

    elsewhere = await make_community(api)
    bad_requests = [
        (
            dict(member_id=member.id, team_member_id=resident.id),
            staff,
            grpc.StatusCode.INVALID_ARGUMENT,
            "team_member_id",
        ),
        (dict(team_id=team.id, team_member_id="987654321"), staff, grpc.StatusCode.NOT_FOUND, "team_member_id"),
        (dict(team_id=team.id), staff, grpc.StatusCode.INVALID_ARGUMENT, "team_member_id"),
        (dict(team_id="x", team_member_id=resident.id), staff, grpc.StatusCode.INVALID_ARGUMENT, "team_id"),
        (
            dict(team_member_id=resident.id),
            api.token(Role.STAFF, scope=elsewhere.community_id, subject="staff-other"),
            grpc.StatusCode.PERMISSION_DENIED,
            "",
        ),
    ]
    for who, metadata, code, field in bad_requests:
        bad = reg.RecordServiceRequest(
            request_id=new_request_id(),
            kind=reg.SERVICE_KIND_OTHER,
            source_id="x",
            hours=1,
            **who,  # type: ignore[arg-type]
        )
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await api.registry.RecordService(bad, metadata=metadata)
        assert error.value.code() == code, (who, error.value.details())
        assert (error.value.details() or "").startswith(f"{field}:" if field else ""), error.value.details()
