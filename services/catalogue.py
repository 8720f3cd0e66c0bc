"""Which process serves which gRPC services, and the authorisation table of all their methods."""

from __future__ import annotations

from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from linli.dispatch.v1 import activities_pb2, dispatch_pb2
from linli.registry.v1 import care_pb2, registry_pb2, reports_pb2, systems_pb2
from linli.wishes.v1 import wishes_pb2

from services.runtime.access import Rule

SERVED_BY: dict[str, list[ServiceDescriptor]] = {
    "registry": [
        registry_pb2.DESCRIPTOR.services_by_name["RegistryService"],
        reports_pb2.DESCRIPTOR.services_by_name["ReportService"],
        systems_pb2.DESCRIPTOR.services_by_name["CallingSystemService"],
        care_pb2.DESCRIPTOR.services_by_name["CarePairService"],
    ],
    "wishes": [wishes_pb2.DESCRIPTOR.services_by_name["WishService"]],
    "dispatch": [
        dispatch_pb2.DESCRIPTOR.services_by_name["DispatchService"],
        activities_pb2.DESCRIPTOR.services_by_name["ActivityService"],
    ],
}
METHODS: list[tuple[str, MethodDescriptor]] = [
    (process, method) for process, services in SERVED_BY.items() for service in services for method in service.methods
]


def full_name(method: MethodDescriptor) -> str:
    """The authorisation table's key: 'linli.wishes.v1.WishService/ClaimWish'."""
    return f"{method.containing_service.full_name}/{method.name}"


def rules() -> dict[str, Rule]:
    """The whole table: every service's rules."""
    from services.dispatch.access import RULES as DISPATCH
    from services.registry.access import RULES as REGISTRY
    from services.wishes.access import RULES as WISHES

    return {**REGISTRY, **WISHES, **DISPATCH}
