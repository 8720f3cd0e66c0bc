"""The RPC metrics are go-grpc-prometheus's: its names, its `grpc_type`s, Go's spelling of every status code, and
every method's series there from the start."""

from __future__ import annotations

import grpc
from prometheus_client import REGISTRY

from services.runtime.metrics import GO_CODE_NAMES, grpc_type, initialise_rpc_metrics

# codes.Code.String() in google.golang.org/grpc/codes, one per status code.
GO_SPELLINGS = {
    "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
    "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
    "Internal", "Unavailable", "DataLoss", "Unauthenticated",
}  # fmt: skip


def test_every_status_code_is_written_as_go_writes_it() -> None:
    assert set(GO_CODE_NAMES.values()) == GO_SPELLINGS
    assert GO_CODE_NAMES[grpc.StatusCode.CANCELLED] == "Canceled"
    assert GO_CODE_NAMES[grpc.StatusCode.INVALID_ARGUMENT] == "InvalidArgument"


def test_the_kind_of_a_method_is_named_as_go_grpc_prometheus_names_it() -> None:
    assert grpc_type(False, False) == "unary"
    assert grpc_type(True, False) == "client_stream"
    assert grpc_type(False, True) == "server_stream"
    assert grpc_type(True, True) == "bidi_stream"


def test_every_method_of_a_service_has_its_series_at_zero_before_its_first_call() -> None:
    import grpc_reflection.v1alpha.reflection_pb2  # noqa: F401  (one service no test in this process calls)
    import linli.registry.v1.registry_pb2  # noqa: F401  (puts the service in the default descriptor pool)

    initialise_rpc_metrics(["linli.registry.v1.RegistryService", "grpc.reflection.v1alpha.ServerReflection"])
    reflection = {"grpc_service": "grpc.reflection.v1alpha.ServerReflection", "grpc_method": "ServerReflectionInfo"}
    assert REGISTRY.get_sample_value("grpc_server_started_total", {"grpc_type": "bidi_stream", **reflection}) == 0
    # Other tests in this process may have called the registry's methods by now: their series exist, whatever count.
    method = {"grpc_service": "linli.registry.v1.RegistryService", "grpc_method": "ImportMembers"}
    assert REGISTRY.get_sample_value("grpc_server_started_total", {"grpc_type": "client_stream", **method}) is not None
    for code in GO_SPELLINGS:
        labels = {"grpc_type": "client_stream", **method, "grpc_code": code}
        assert REGISTRY.get_sample_value("grpc_server_handled_total", labels) is not None, code
    get = {"grpc_type": "unary", "grpc_service": "linli.registry.v1.RegistryService", "grpc_method": "GetOrgUnit"}
    assert REGISTRY.get_sample_value("grpc_server_handling_seconds_count", get) is not None
    assert REGISTRY.get_sample_value("grpc_server_msg_sent_total", get) is not None
