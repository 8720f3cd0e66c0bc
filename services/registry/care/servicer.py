"""CarePairService over gRPC (结对帮扶): checks the request and the caller, then asks the store; every change tells
the pair's CarePair workflow through the outbox (services/registry/care/relay.py). Who may call each method is in
the authorisation table (services/registry/access.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
from linli.registry.v1 import care_pb2 as pb
from linli.registry.v1 import care_pb2_grpc

from services.registry import domain as registry_domain
from services.registry.care import domain, metrics
from services.registry.care.domain import CarePair
from services.registry.care.messages import pair_message, visit_message
from services.registry.care.relay import CareRelay
from services.registry.care.store import CareStore, NewPair, NewVisit
from services.registry.domain import Member, OrgUnit
from services.registry.lookups import Lookups, require_unit_in_scope
from services.registry.messages import after_id_of, page_of
from services.registry.store import RegistryStore
from services.runtime import access, validate
from services.runtime.auth import Caller, Role, current_caller
from services.runtime.db import Connection
from services.runtime.errors import InvalidArgument, NotFound, PermissionDenied
from services.runtime.pii import PersonalDataCipher, mask_name, mask_phone

_NAME, _ADDRESS, _CONTACT = "care.resident_name", "care.address", "care.contact"


def _member_id(caller: Caller) -> int:
    """A member's token names them by their id; anything else matches no carer."""
    return int(caller.subject) if caller.subject.isdigit() else 0


class CarePairServicer(Lookups, care_pb2_grpc.CarePairServiceServicer):
    def __init__(
        self, store: RegistryStore, care: CareStore, cipher: PersonalDataCipher, relay: CareRelay | None
    ) -> None:
        super().__init__(store, cipher)
        self.care = care
        self.relay = relay

    def _told(self) -> None:
        if self.relay is not None:
            self.relay.wake()  # the outbox row is committed: deliver it now, not at the next poll

    async def _pair(self, raw_id: str) -> tuple[CarePair, OrgUnit]:
        pair_id = validate.entity_id("pair_id", raw_id)
        pair = await self.care.pair(pair_id)
        if pair is None:
            raise NotFound(f"no care pair {pair_id}", "pair_id")
        unit = await self.store.org_unit(pair.unit_id)
        assert unit is not None  # a pair's unit is never deleted (closing keeps the row)
        return pair, unit

    async def _require_carer_or_in_scope(self, caller: Caller, pair: CarePair, unit: OrgUnit) -> None:
        """A member reaches only the pairs they are a carer of; everyone else the pairs in their scope."""
        if caller.role == Role.MEMBER:
            access.checked_otherwise()
            if _member_id(caller) not in await self.care.carers_of(pair):
                raise PermissionDenied("a member reaches only the care pairs they are a carer of", "pair_id")
            return
        require_unit_in_scope(caller, unit, "the care pair's unit")

    async def _members(self, field: str, raw_ids: list[str]) -> tuple[Member, ...]:
        ids = [validate.entity_id(field, raw) for raw in raw_ids]
        members = []
        for member_id in dict.fromkeys(ids):
            member = await self.store.member(member_id)
            if member is None or member.status != "active":
                raise NotFound(f"no active member {member_id}", field)
            members.append(member)
        return tuple(members)

    async def _carers(self, unit: OrgUnit, raw_members: list[str], raw_team: str) -> tuple[tuple[int, ...], int | None]:
        if len(raw_members) > domain.MAX_CARERS:
            raise InvalidArgument(f"at most {domain.MAX_CARERS} members", "carer_member_ids")
        team_id = validate.entity_id("team_id", raw_team, required=False)
        members = await self._members("carer_member_ids", list(raw_members))
        if team_id is not None:
            team, team_unit = await self._team(raw_team)
            if team_unit.id not in (*unit.ancestor_ids, unit.id):
                raise InvalidArgument(f"team {team.id} belongs to unit {team_unit.id}, not above the pair's", "team_id")
        return domain.carers((m.id for m in members), team_id), team_id

    def _sealed(self, value: str, field: str) -> bytes | None:
        return self.cipher.seal(value, field) if value else None

    async def CreateCarePair(
        self, request: pb.CreateCarePairRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreateCarePairResponse:  # 结对
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        resident_ref = validate.text("resident_ref", request.resident_ref, max_length=domain.MAX_RESIDENT_REF)
        caree_kind = domain.CAREE_KINDS[validate.enum("caree_kind", request.caree_kind, pb.CareeKind)]
        people = domain.people("people", request.people, caree_kind)
        name = validate.text(
            "resident_name", request.resident_name, max_length=domain.MAX_RESIDENT_NAME, required=False
        )
        address = validate.text("address", request.address, max_length=domain.MAX_ADDRESS, required=False)
        contact = validate.text("contact", request.contact, max_length=domain.MAX_CONTACT, required=False)
        cadence = domain.cadence("cadence_days", request.cadence_days)
        began = domain.began_at(validate.optional_time("began_at", request.began_at), datetime.now(UTC))
        unit = await self._residence("unit_id", request.unit_id, open_only=True)
        require_unit_in_scope(caller, unit)
        carers, team_id = await self._carers(unit, list(request.carer_member_ids), request.team_id)
        new = NewPair(
            unit=unit,
            resident_ref=resident_ref,
            caree_kind=caree_kind,
            people=people,
            name_sealed=self._sealed(name, _NAME),
            name_masked=mask_name(name),
            address_sealed=self._sealed(address, _ADDRESS),
            address_masked=domain.mask_address(address),
            contact_sealed=self._sealed(contact, _CONTACT),
            contact_masked=mask_phone(contact) if contact else "",
            carer_member_ids=carers,
            team_id=team_id,
            cadence_days=cadence,
            began_at=began,
        )

        async def create(conn: Connection) -> pb.CreateCarePairResponse:
            return pb.CreateCarePairResponse(pair=pair_message(await self.care.create(conn, caller, new)))

        answer = await self.store.once(
            caller, request_id, "CreateCarePair", pb.CreateCarePairResponse, create, f"unit:{unit.id}"
        )
        self._told()
        return answer

    async def GetCarePair(
        self, request: pb.GetCarePairRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetCarePairResponse:
        pair, unit = await self._pair(request.pair_id)
        await self._require_carer_or_in_scope(current_caller(), pair, unit)
        return pb.GetCarePairResponse(pair=pair_message(pair))

    async def ListCarePairs(
        self, request: pb.ListCarePairsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListCarePairsResponse:
        state = domain.STATES.get(validate.enum("state", request.state, pb.CarePairState, required=False), "")
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        carer = validate.entity_id("carer_member_id", request.carer_member_id, required=False) or 0
        caller = current_caller()
        subtree: OrgUnit | None = None
        if caller.role == Role.MEMBER:
            # A member lists the pairs they visit, wherever those lie.
            access.require_self(caller, carer, "carer_member_id", "list only the care pairs they are a carer of")
            if request.org_unit_id:
                subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        else:
            subtree = await self._org_unit("org_unit_id", request.org_unit_id)
            require_unit_in_scope(caller, subtree)
        query = {"care_pairs": subtree.id if subtree else 0, "state": state, "carer": carer}
        found = await self.care.pairs_page(subtree, state, carer, after_id_of(request.page_token, query), page_size + 1)
        page, token = page_of(found, page_size, query, lambda p: [p.id])
        return pb.ListCarePairsResponse(pairs=[pair_message(p) for p in page], next_page_token=token)

    async def RecordVisit(
        self, request: pb.RecordVisitRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RecordVisitResponse:  # 看望, 话疗
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        hours = registry_domain.service_hours("hours", request.hours) if request.hours else domain.DEFAULT_VISIT_HOURS
        visited_at = validate.optional_time("visited_at", request.visited_at)
        named = [validate.entity_id("member_ids", raw) for raw in request.member_ids]
        pair, unit = await self._pair(request.pair_id)
        member = caller.role == Role.MEMBER
        if member:
            access.checked_otherwise()  # decided by the pair's carers below
        else:
            require_unit_in_scope(caller, unit, "the care pair's unit")
        # A retry is answered before the pair's state is checked again: it may have ended since.
        earlier = await self.store.earlier_answer(
            caller, request_id, "RecordVisit", pb.RecordVisitResponse, f"care_pair:{pair.id}"
        )
        if earlier is not None:
            return earlier
        who = domain.visitors(named, _member_id(caller) if member else None, await self.care.carers_of(pair))
        domain.require_active(pair)
        moment = domain.visit_time(visited_at, datetime.now(UTC), pair)
        members = await self._members("member_ids", [str(m) for m in who])
        new = NewVisit(pair, members, moment, note, hours)

        async def record(conn: Connection) -> pb.RecordVisitResponse:
            visit, after, records = await self.care.record_visit(conn, caller, request_id, new)
            metrics.VISITS.inc()
            return pb.RecordVisitResponse(
                visit=visit_message(visit),
                pair=pair_message(after),
                service_record_ids=[str(r.id) for r in records],
            )

        answer = await self.store.once(
            caller, request_id, "RecordVisit", pb.RecordVisitResponse, record, f"care_pair:{pair.id}"
        )
        self._told()
        return answer

    async def ListVisits(
        self, request: pb.ListVisitsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListVisitsResponse:
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        pair, unit = await self._pair(request.pair_id)
        await self._require_carer_or_in_scope(current_caller(), pair, unit)
        query = {"care_visits": pair.id}
        found = await self.care.visits_page(pair.id, after_id_of(request.page_token, query), page_size + 1)
        page, token = page_of(found, page_size, query, lambda v: [v.id])
        return pb.ListVisitsResponse(visits=[visit_message(v) for v in page], next_page_token=token)

    async def ChangeCarers(
        self, request: pb.ChangeCarersRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ChangeCarersResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        pair, unit = await self._pair(request.pair_id)
        require_unit_in_scope(caller, unit, "the care pair's unit")
        carers, team_id = await self._carers(unit, list(request.carer_member_ids), request.team_id)
        target = f"care_pair:{pair.id}"
        earlier = await self.store.earlier_answer(caller, request_id, "ChangeCarers", pb.ChangeCarersResponse, target)
        if earlier is not None:
            return earlier
        domain.require_active(pair)

        async def change(conn: Connection) -> pb.ChangeCarersResponse:
            after = await self.care.change_carers(conn, caller, pair.id, carers, team_id)
            return pb.ChangeCarersResponse(pair=pair_message(after))

        answer = await self.store.once(caller, request_id, "ChangeCarers", pb.ChangeCarersResponse, change, target)
        self._told()
        return answer

    async def EndCarePair(
        self, request: pb.EndCarePairRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.EndCarePairResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        reason = domain.END_REASONS[validate.enum("reason", request.reason, pb.CareEndReason)]
        note = domain.end_note(reason, validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False))
        pair, unit = await self._pair(request.pair_id)
        require_unit_in_scope(caller, unit, "the care pair's unit")
        target = f"care_pair:{pair.id}"
        earlier = await self.store.earlier_answer(caller, request_id, "EndCarePair", pb.EndCarePairResponse, target)
        if earlier is not None:
            return earlier
        domain.require_active(pair)

        async def end(conn: Connection) -> pb.EndCarePairResponse:
            return pb.EndCarePairResponse(pair=pair_message(await self.care.end(conn, caller, pair.id, reason, note)))

        answer = await self.store.once(caller, request_id, "EndCarePair", pb.EndCarePairResponse, end, target)
        self._told()
        return answer

    async def RevealCarePairResident(
        self, request: pb.RevealCarePairResidentRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RevealCarePairResidentResponse:
        caller = current_caller()
        reason = validate.text("reason", request.reason, max_length=domain.MAX_NOTE)
        pair, unit = await self._pair(request.pair_id)
        require_unit_in_scope(caller, unit, "the care pair's unit")
        name, address, contact = await self.care.sealed_resident(caller, pair.id, reason)
        return pb.RevealCarePairResidentResponse(
            pair_id=str(pair.id),
            resident_name=self.cipher.open(name, _NAME) if name else "",
            address=self.cipher.open(address, _ADDRESS) if address else "",
            contact=self.cipher.open(contact, _CONTACT) if contact else "",
        )

    async def GetCareStats(
        self, request: pb.GetCareStatsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetCareStatsResponse:
        start = validate.optional_time("start_time", request.start_time)
        end = validate.optional_time("end_time", request.end_time) or datetime.now(UTC)
        registry_domain.check_period(start, end)
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        require_unit_in_scope(current_caller(), subtree)
        stats = await self.care.stats(subtree, start, end)
        return pb.GetCareStatsResponse(
            pairs_active=stats.pairs_active,
            pairs_begun=stats.pairs_begun,
            pairs_ended=stats.pairs_ended,
            people_cared_for=stats.people_cared_for,
            visits_due=stats.visits_made + stats.visits_missed,
            visits_made=stats.visits_made,
            visits_missed=stats.visits_missed,
        )

    async def RecordCareMiss(
        self, request: pb.RecordCareMissRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RecordCareMissResponse:
        caller = current_caller()
        validate.request_id(request.request_id)
        after_visit = domain.after_visit("after_visit_id", request.after_visit_id)
        if not 1 <= request.period <= 100_000:
            raise InvalidArgument("must be a cadence period after the visit: 1, 2, ...", "period")
        pair, unit = await self._pair(request.pair_id)
        require_unit_in_scope(caller, unit, "the care pair's unit")
        # Idempotent by (pair, visit, period) rather than by request id: the workflow's retries find the same row.
        async with self.care.pool.acquire() as conn, conn.transaction():
            created = await self.care.record_miss(conn, caller, pair, after_visit, request.period, request.office)
        if created:
            metrics.MISSES.labels("office" if request.office else "carers").inc()
        return pb.RecordCareMissResponse(
            carer_member_ids=[str(m) for m in sorted(await self.care.carers_of(pair))],
            unit_id=str(pair.unit_id),
            created=created,
        )
