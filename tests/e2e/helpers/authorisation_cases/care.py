"""The authorisation matrix's requests for CarePairService's methods (see __init__.py). Each pair lies in the place's
grid with the place's member as its carer, so a member of our community is the carer of our pairs and of no other."""

from __future__ import annotations

from linli.registry.v1 import care_pb2 as pb

from services.runtime.auth import Role
from tests.e2e.helpers.authorisation_cases import Place, World, case, request_id

C = "linli.registry.v1.CarePairService/"


async def pair(world: World, place: Place) -> str:
    created = await world.api.care.CreateCarePair(
        pb.CreateCarePairRequest(
            request_id=request_id(),
            unit_id=place.grid_id,
            resident_ref=request_id(),
            caree_kind=pb.CAREE_KIND_RESIDENT,
            resident_name="孤寡老人",
            carer_member_ids=[place.member_id],
            cadence_days=3,
        ),
        metadata=world.api.admin,
    )
    return created.pair.id


@case(C + "CreateCarePair")
async def create_care_pair(world: World, place: Place, role: Role) -> pb.CreateCarePairRequest:
    return pb.CreateCarePairRequest(
        request_id=request_id(),
        unit_id=place.grid_id,
        resident_ref=request_id(),
        caree_kind=pb.CAREE_KIND_HOUSEHOLD,
        people=3,
        carer_member_ids=[place.member_id],
        cadence_days=7,
    )


@case(C + "GetCarePair")
async def get_care_pair(world: World, place: Place, role: Role) -> pb.GetCarePairRequest:
    return pb.GetCarePairRequest(pair_id=await pair(world, place))


@case(C + "ListCarePairs")
async def list_care_pairs(world: World, place: Place, role: Role) -> pb.ListCarePairsRequest:
    mine = place.member_id if role == Role.MEMBER else ""
    return pb.ListCarePairsRequest(org_unit_id=place.community_id, page_size=5, carer_member_id=mine)


@case(C + "RecordVisit")
async def record_visit(world: World, place: Place, role: Role) -> pb.RecordVisitRequest:
    named = [] if role == Role.MEMBER else [place.member_id]
    return pb.RecordVisitRequest(request_id=request_id(), pair_id=await pair(world, place), member_ids=named)


@case(C + "ListVisits")
async def list_visits(world: World, place: Place, role: Role) -> pb.ListVisitsRequest:
    return pb.ListVisitsRequest(pair_id=await pair(world, place))


@case(C + "ChangeCarers")
async def change_carers(world: World, place: Place, role: Role) -> pb.ChangeCarersRequest:
    return pb.ChangeCarersRequest(
        request_id=request_id(), pair_id=await pair(world, place), carer_member_ids=[place.member_id]
    )


@case(C + "EndCarePair")
async def end_care_pair(world: World, place: Place, role: Role) -> pb.EndCarePairRequest:
    return pb.EndCarePairRequest(
        request_id=request_id(), pair_id=await pair(world, place), reason=pb.CARE_END_REASON_MOVED
    )


@case(C + "RevealCarePairResident")
async def reveal_care_pair_resident(world: World, place: Place, role: Role) -> pb.RevealCarePairResidentRequest:
    return pb.RevealCarePairResidentRequest(pair_id=await pair(world, place), reason="matrix")


@case(C + "GetCareStats")
async def get_care_stats(world: World, place: Place, role: Role) -> pb.GetCareStatsRequest:
    return pb.GetCareStatsRequest(org_unit_id=place.street_id)


@case(C + "RecordCareMiss")
async def record_care_miss(world: World, place: Place, role: Role) -> pb.RecordCareMissRequest:
    return pb.RecordCareMissRequest(
        request_id=request_id(), pair_id=await pair(world, place), after_visit_id="0", period=1
    )
