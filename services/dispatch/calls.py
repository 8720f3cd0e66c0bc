"""What the DispatchService's handlers share: the services and stores they use, and the duty in force at a moment.

The handlers themselves are by sub-domain: matching (matching/), duty rosters and absences
(duty/) and emergency alerts (alerts/), each a package with its servicer; servicer.py puts them together.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from linli.registry.v1 import registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2_grpc

from services.dispatch.alerts.relay import AlertRelay
from services.dispatch.duty import domain as duty_rules
from services.dispatch.duty.domain import Slot
from services.dispatch.matching.members import MemberDirectory
from services.dispatch.store import DispatchStore
from services.runtime.org_directory import OrgDirectory
from services.runtime.pii import PersonalDataCipher


class DispatchCalls:
    """The services and stores every handler of the DispatchService uses."""

    def __init__(
        self,
        wishes: wishes_pb2_grpc.WishServiceStub,
        registry: registry_pb2_grpc.RegistryServiceStub,
        store: DispatchStore,
        relay: AlertRelay,
        org: OrgDirectory,
        members: MemberDirectory,
        zone: ZoneInfo,
        cipher: PersonalDataCipher,
    ) -> None:
        self.wishes = wishes
        self.registry = registry
        self.store = store
        self.relay = relay
        self.org = org
        self.members = members
        self.zone = zone
        self.cipher = cipher

    async def _on_duty_at(self, community_id: int, moment: datetime) -> list[Slot]:
        """The slots covering the moment, in roster order, but for those of volunteers away then."""
        local = moment.astimezone(self.zone)
        _, slots = await self.store.day(community_id, local.date())
        covering = duty_rules.on_duty(slots, local.hour * 60 + local.minute)
        if not covering:
            return covering
        away = await self.store.away(community_id, moment, moment + timedelta(seconds=1))
        return [s for s in covering if s.volunteer not in away]
