"""The step of PersonalDataRetention (workflows/retention.py): one batch of one service's EraseExpiredPersonalData.
Each service erases its own tables; the step carries counts only, never personal data."""

from __future__ import annotations

from dataclasses import dataclass

from linli.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2, wishes_pb2_grpc
from temporalio import activity

from workflows.steps import TIMEOUT_SECONDS, call


@dataclass
class EraseBatch:
    service: str  # registry, wishes or dispatch
    batch_size: int


@dataclass
class Erased:
    erased: int
    more: bool


class RetentionSteps:
    def __init__(
        self,
        registry: registry_pb2_grpc.RegistryServiceStub,
        wishes: wishes_pb2_grpc.WishServiceStub,
        dispatch: dispatch_pb2_grpc.DispatchServiceStub,
    ) -> None:
        self.registry = registry
        self.wishes = wishes
        self.dispatch = dispatch

    @activity.defn
    async def erase_expired_batch(self, batch: EraseBatch) -> Erased:
        """One batch; safe to retry: a record erased already is not picked again."""
        if batch.service == "registry":
            answer = await call(
                self.registry.EraseExpiredPersonalData(
                    registry_pb2.EraseExpiredPersonalDataRequest(batch_size=batch.batch_size), timeout=TIMEOUT_SECONDS
                )
            )
        elif batch.service == "wishes":
            answer = await call(
                self.wishes.EraseExpiredPersonalData(
                    wishes_pb2.EraseExpiredPersonalDataRequest(batch_size=batch.batch_size), timeout=TIMEOUT_SECONDS
                )
            )
        else:
            answer = await call(
                self.dispatch.EraseExpiredPersonalData(
                    dispatch_pb2.EraseExpiredPersonalDataRequest(batch_size=batch.batch_size), timeout=TIMEOUT_SECONDS
                )
            )
        return Erased(answer.erased, answer.more)
