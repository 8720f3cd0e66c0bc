"""Care pairs (结对帮扶) end to end over gRPC against the running platform: a pair made in a grid with its resident's
data masked, read by its carer and by nobody else's, listed per unit in pages; a carer's visit is their service (纪实)
once however often it is retried; staff record for the carers who went; the pair's CarePair workflow runs from the
first change and ends with the pair; the stats count pairs and visits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
from linli.registry.v1 import care_pb2 as pb
from linli.registry.v1 import registry_pb2 as reg
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from devstack.client import Api
from devstack.stack import LocalStack
from services.registry.care.contract import CarePairStatus
from services.runtime.auth import Role
from tests.e2e.helpers.checks import eventually, refused
from tests.e2e.helpers.community import Community, make_community, register_member
from tests.e2e.helpers.ids import new_request_id


async def _pair(api: Api, community: Community, *carers: str, cadence: int = 3, **fields: str) -> pb.CarePair:
    created = await api.care.CreateCarePair(
        pb.CreateCarePairRequest(
            request_id=new_request_id(),
            unit_id=community.grid_id,
            resident_ref=f"resident-{new_request_id()[:8]}",
            caree_kind=pb.CAREE_KIND_RESIDENT,
            carer_member_ids=list(carers),
            cadence_days=cadence,
            **fields,
        ),
        metadata=api.admin,
    )
    return created.pair


async def test_a_pair_is_masked_read_by_its_carer_only_and_listed_per_unit_in_pages(api: Api) -> None:
    community = await make_community(api)
    carer = await register_member(api, community.grid_id)
    other = await register_member(api, community.grid_id)
    request = pb.CreateCarePairRequest(
        request_id=new_request_id(),
        unit_id=community.grid_id,
        resident_ref="resident-889",
        caree_kind=pb.CAREE_KIND_RESIDENT,
        resident_name="李秀兰",
        address="温泉街道银泉名座3栋2单元",
        contact="13812345678",
        carer_member_ids=[carer.id],
        cadence_days=3,
    )
    first = (await api.care.CreateCarePair(request, metadata=api.admin)).pair
    assert (first.resident_name, first.contact, first.address[:4]) == ("李**", "138****5678", "温泉街道")
    assert "银泉" not in first.address and first.state == pb.CARE_PAIR_STATE_ACTIVE
    assert first.next_visit_due.ToDatetime(UTC) - first.began_at.ToDatetime(UTC) == timedelta(days=3)
    assert (await api.care.CreateCarePair(request, metadata=api.admin)).pair == first  # a retry: the first answer
    again = pb.CreateCarePairRequest()
    again.CopyFrom(request)
    again.request_id = new_request_id()
    await refused(api.care.CreateCarePair(again, metadata=api.admin), grpc.StatusCode.ALREADY_EXISTS, "resident_ref")

    as_carer = api.token(Role.MEMBER, scope=community.community_id, subject=carer.id)
    as_other = api.token(Role.MEMBER, scope=community.community_id, subject=other.id)
    assert (await api.care.GetCarePair(pb.GetCarePairRequest(pair_id=first.id), metadata=as_carer)).pair == first
    await refused(
        api.care.GetCarePair(pb.GetCarePairRequest(pair_id=first.id), metadata=as_other),
        grpc.StatusCode.PERMISSION_DENIED,
        "pair_id",
    )
    revealed = await api.care.RevealCarePairResident(
        pb.RevealCarePairResidentRequest(pair_id=first.id, reason="上门看望前核对地址"), metadata=api.admin
    )
    assert (revealed.resident_name, revealed.contact) == ("李秀兰", "13812345678")

    second = await _pair(api, community, carer.id)
    seen: list[str] = []
    token = ""
    while True:
        page = await api.care.ListCarePairs(
            pb.ListCarePairsRequest(org_unit_id=community.community_id, page_size=1, page_token=token),
            metadata=api.admin,
        )
        seen += [p.id for p in page.pairs]
        token = page.next_page_token
        if not token:
            break
    assert seen == [second.id, first.id]  # newest first, the grid's pairs under their community
    mine = await api.care.ListCarePairs(pb.ListCarePairsRequest(carer_member_id=carer.id), metadata=as_carer)
    assert [p.id for p in mine.pairs] == [second.id, first.id]  # the pairs they visit, wherever they lie
    await refused(
        api.care.ListCarePairs(pb.ListCarePairsRequest(carer_member_id=carer.id), metadata=as_other),
        grpc.StatusCode.PERMISSION_DENIED,
        "carer_member_id",
    )


async def test_a_carers_visit_is_their_service_once_and_staff_record_for_the_carers_who_went(api: Api) -> None:
    community = await make_community(api)
    carer, partner, stranger = [await register_member(api, community.grid_id) for _ in range(3)]
    pair = await _pair(api, community, carer.id, partner.id)
    as_carer = api.token(Role.MEMBER, scope=community.community_id, subject=carer.id)
    visit = pb.RecordVisitRequest(request_id=new_request_id(), pair_id=pair.id, note="聊了家常，血压正常")
    first = await api.care.RecordVisit(visit, metadata=as_carer)
    assert list(first.visit.member_ids) == [carer.id] and len(first.service_record_ids) == 1
    assert first.pair.visits == 1 and first.pair.last_visit_id == first.visit.id
    assert await api.care.RecordVisit(visit, metadata=as_carer) == first  # the retry records nothing more

    as_stranger = api.token(Role.MEMBER, scope=community.community_id, subject=stranger.id)
    await refused(
        api.care.RecordVisit(pb.RecordVisitRequest(request_id=new_request_id(), pair_id=pair.id), metadata=as_stranger),
        grpc.StatusCode.PERMISSION_DENIED,
        "member_ids",
    )
    both = await api.care.RecordVisit(
        pb.RecordVisitRequest(request_id=new_request_id(), pair_id=pair.id, member_ids=[carer.id, partner.id], hours=2),
        metadata=api.admin,
    )
    assert len(both.service_record_ids) == 2
    summary = await api.registry.GetMemberServiceSummary(
        reg.GetMemberServiceSummaryRequest(member_id=carer.id), metadata=as_carer
    )
    assert {(t.kind, t.count, t.hours) for t in summary.totals} == {(reg.SERVICE_KIND_CARE_VISIT, 2, 3.0)}
    visits = await api.care.ListVisits(pb.ListVisitsRequest(pair_id=pair.id), metadata=as_carer)
    assert [v.id for v in visits.visits] == [both.visit.id, first.visit.id]
    late = pb.RecordVisitRequest(request_id=new_request_id(), pair_id=pair.id)
    late.visited_at.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
    await refused(api.care.RecordVisit(late, metadata=as_carer), grpc.StatusCode.INVALID_ARGUMENT, "visited_at")


async def test_the_pairs_workflow_runs_from_its_first_change_and_ends_with_the_pair(api: Api, temporal: Client) -> None:
    community = await make_community(api)
    carer = await register_member(api, community.grid_id)
    pair = await _pair(api, community, carer.id, cadence=1)
    handle = temporal.get_workflow_handle(f"care-pair-{pair.id}")

    async def running() -> bool:
        try:
            return (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        except RPCError:
            return False  # not started yet: the relay delivers within a poll

    await eventually(running, "the pair's workflow started")
    ended = await api.care.EndCarePair(
        pb.EndCarePairRequest(request_id=new_request_id(), pair_id=pair.id, reason=pb.CARE_END_REASON_PASSED_AWAY),
        metadata=api.admin,
    )
    assert ended.pair.state == pb.CARE_PAIR_STATE_ENDED and not ended.pair.HasField("next_visit_due")
    assert await handle.result() == "ended"
    await refused(
        api.care.RecordVisit(
            pb.RecordVisitRequest(request_id=new_request_id(), pair_id=pair.id, member_ids=[carer.id]),
            metadata=api.admin,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "pair_id",
    )
    stats = await api.care.GetCareStats(pb.GetCareStatsRequest(org_unit_id=community.street_id), metadata=api.admin)
    assert (stats.pairs_active, stats.pairs_begun, stats.pairs_ended, stats.visits_made) == (0, 1, 1, 0)


async def test_a_pair_overdue_from_the_start_reminds_its_carers_then_tells_the_office(
    api: Api, temporal: Client, stack: LocalStack
) -> None:
    """A pairing entered after it began, its cadence already run out: the workflow records the missed period and
    reminds the carers at once, then tells the office after the grace (2 s here), through the real worker."""
    community = await make_community(api)
    carer = await register_member(api, community.grid_id)
    request = pb.CreateCarePairRequest(
        request_id=new_request_id(),
        unit_id=community.grid_id,
        resident_ref="resident-overdue",
        caree_kind=pb.CAREE_KIND_RESIDENT,
        carer_member_ids=[carer.id],
        cadence_days=3,
    )
    request.began_at.FromDatetime(datetime.now(UTC) - timedelta(days=3, minutes=1))
    pair = (await api.care.CreateCarePair(request, metadata=api.admin)).pair
    handle = temporal.get_workflow_handle(f"care-pair-{pair.id}")

    async def told_office() -> bool:
        try:
            status = await handle.query("status", result_type=CarePairStatus)
        except RPCError:
            return False
        return (status.reminded, status.escalated) == (1, 1)

    await eventually(told_office, "the carers reminded and the office told", timeout=60)
    key = f"care-pair-{pair.id}/after-0/1"
    sent = [f"{key}/reminder/member:{carer.id}", f"{key}/office/org:{community.grid_id}"]
    # The shared platform's worker sends through the log (ids only): each notice once, under its key.
    await eventually(lambda: all(k in (stack.logs / "worker.log").read_text() for k in sent), "both notices sent")
    assert "resident-overdue" not in (stack.logs / "worker.log").read_text()
    stats = await api.care.GetCareStats(pb.GetCareStatsRequest(org_unit_id=community.community_id), metadata=api.admin)
    assert (stats.visits_missed, stats.visits_due, stats.visits_made) == (1, 1, 0)
    visited = await api.care.RecordVisit(
        pb.RecordVisitRequest(request_id=new_request_id(), pair_id=pair.id, member_ids=[carer.id]),
        metadata=api.admin,
    )

    async def clock_restarted() -> bool:
        status = await handle.query("status", result_type=CarePairStatus)
        return status.reminded == 0 and status.version == visited.pair.version

    await eventually(clock_restarted, "the visit started the clock again")
    await api.care.EndCarePair(
        pb.EndCarePairRequest(request_id=new_request_id(), pair_id=pair.id, reason=pb.CARE_END_REASON_MOVED),
        metadata=api.admin,
    )
    assert await handle.result() == "ended"
