"""Care pairs as protobuf messages: personal data only as it is masked."""

from __future__ import annotations

from linli.registry.v1 import care_pb2 as pb

from services.registry.care import domain
from services.registry.care.domain import CarePair, CareVisit
from services.runtime.convert import to_timestamp


def pair_message(pair: CarePair) -> pb.CarePair:
    return pb.CarePair(
        id=str(pair.id),
        resident_ref=pair.resident_ref,
        caree_kind=domain.CAREE_KIND_NUMBERS[pair.caree_kind],
        people=pair.people,
        resident_name=pair.resident_name_masked,
        address=pair.address_masked,
        contact=pair.contact_masked,
        unit_id=str(pair.unit_id),
        carer_member_ids=[str(m) for m in pair.carer_member_ids],
        team_id=str(pair.team_id) if pair.team_id else "",
        cadence_days=pair.cadence_days,
        state=domain.STATE_NUMBERS[pair.state],
        created_at=to_timestamp(pair.created_at),
        last_visit_at=to_timestamp(pair.last_visit_at),
        next_visit_due=to_timestamp(pair.next_visit_due),
        ended_at=to_timestamp(pair.ended_at),
        end_reason=domain.END_REASON_NUMBERS.get(pair.end_reason or "", pb.CARE_END_REASON_UNSPECIFIED),
        end_note=pair.end_note,
        version=pair.version,
        visits=pair.visits,
        last_visit_id=str(pair.last_visit_id or 0),
        began_at=to_timestamp(pair.began_at),
    )


def visit_message(visit: CareVisit) -> pb.CareVisit:
    return pb.CareVisit(
        id=str(visit.id),
        pair_id=str(visit.pair_id),
        member_ids=[str(m) for m in visit.member_ids],
        visited_at=to_timestamp(visit.visited_at),
        note=visit.note,
        hours=visit.hours,
        recorded_by=visit.recorded_by,
    )
