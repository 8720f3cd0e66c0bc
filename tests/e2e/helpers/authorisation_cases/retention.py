"""The authorisation matrix's requests for the retention Schedule's calls: each service's EraseExpiredPersonalData,
for the worker only (batch_size 1, so a call in the matrix erases at most one record past its period)."""

from __future__ import annotations

from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wsh

from services.runtime.auth import Role
from tests.e2e.helpers.authorisation_cases import Place, World, case


@case("linli.registry.v1.RegistryService/EraseExpiredPersonalData")
async def erase_members(world: World, place: Place, role: Role) -> reg.EraseExpiredPersonalDataRequest:
    return reg.EraseExpiredPersonalDataRequest(batch_size=1)


@case("linli.wishes.v1.WishService/EraseExpiredPersonalData")
async def erase_residents(world: World, place: Place, role: Role) -> wsh.EraseExpiredPersonalDataRequest:
    return wsh.EraseExpiredPersonalDataRequest(batch_size=1)


@case("linli.dispatch.v1.DispatchService/EraseExpiredPersonalData")
async def erase_alert_addresses(world: World, place: Place, role: Role) -> dis.EraseExpiredPersonalDataRequest:
    return dis.EraseExpiredPersonalDataRequest(batch_size=1)
