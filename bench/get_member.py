"""GetMember at concurrency 32 for 20 s: calls/s, p50, p99, and the ratio to a bare grpc.aio server (its own
process, like the registry) that answers with the same message, measured in the same run; the client parses
both answers alike. The registry is measured twice in the same run, over TLS (the local CA's certificate, as the
local run serves it) and in plaintext, two processes on one database loaded in turns (TLS, plaintext, TLS,
plaintext, a quarter of the time each), and `tls_ratio` is TLS calls/s over plaintext calls/s. `ratio_to_bare` is
the plaintext registry's, as before TLS was measured.

    ./linli bench get_member [--seconds 20] [--concurrency 32] [--quick]

The registry call goes through everything a real one does: token check, metrics, a log line, scope check,
and one Postgres read. The bare server does none of that; it returns fixed bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc

from bench._harness import Load, bare_server, emit, main, platform_on, ratio, run_load, servers
from bench.import_members import admin_metadata, make_tree, messages, stream, synthetic_rows

BARE_METHOD = "/bench.Bare/Get"


async def serve_bare(port: int, answer_hex: str) -> None:
    """A grpc.aio server that answers every call with the same fixed bytes (a serialized GetMemberResponse)."""
    answer = bytes.fromhex(answer_hex)

    async def get(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
        return answer

    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler("bench.Bare", {"Get": grpc.unary_unary_rpc_method_handler(get)})
    server.add_generic_rpc_handlers((handler,))
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_health.v1._async import HealthServicer

    health = HealthServicer()
    await health.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


async def benchmark() -> None:
    parser = argparse.ArgumentParser(prog="./linli bench get_member")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="5 s each")
    args = parser.parse_args()
    seconds = 5.0 if args.quick else args.seconds

    async with servers(temporal=False) as bench_servers, platform_on(bench_servers, ("registry",)) as stack:
        metadata = admin_metadata(stack.secrets.issuer)
        async with stack.channel(stack.ports.grpc("registry")) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)
            tree = await make_tree(stub, metadata, streets=1, communities=5)
            rows = synthetic_rows(args.members, tree.grid_ids)
            await stub.ImportMembers(stream(messages(rows, uuid.uuid4().hex)), metadata=metadata)
            ids = [
                m.id
                for m in (
                    await stub.SearchMembers(
                        reg.SearchMembersRequest(org_unit_id=tree.district_id, page_size=500), metadata=metadata
                    )
                ).members
            ]
            sample = await stub.GetMember(reg.GetMemberRequest(member_id=ids[0]), metadata=metadata)
            size = sample.ByteSize()

            # The same registry's code in plaintext beside it: its TLS variables set empty.
            plain_process = stack.start_process(
                "registry", "registry-plaintext", LINLI_TLS_CERT_FILE="", LINLI_TLS_KEY_FILE="", LINLI_TLS_CA_FILE=""
            )
            async with grpc.aio.insecure_channel(f"127.0.0.1:{plain_process.ports['grpc']}") as plain_channel:
                plain_stub = registry_pb2_grpc.RegistryServiceStub(plain_channel)

                def caller(on: registry_pb2_grpc.RegistryServiceStub) -> Callable[[int], Awaitable[None]]:
                    async def get_member(i: int) -> None:
                        request = reg.GetMemberRequest(member_id=ids[i % len(ids)])
                        await on.GetMember(request, metadata=metadata, timeout=10)

                    return get_member

                ours, plaintext = Load(), Load()
                for _ in range(2):
                    ours.add(await run_load(caller(stub), args.concurrency, seconds / 4))
                    plaintext.add(await run_load(caller(plain_stub), args.concurrency, seconds / 4))

        bare = bare_server(
            "bare-registry",
            lambda port: ["-m", "bench.get_member", "--serve-bare", str(port), sample.SerializeToString().hex()],
            bench_servers.home,
        )
        port = bare.ports["grpc"]
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                # The client does the same work for both: a GetMemberRequest out, a GetMemberResponse parsed back.
                call = channel.unary_unary(
                    BARE_METHOD,
                    request_serializer=reg.GetMemberRequest.SerializeToString,
                    response_deserializer=reg.GetMemberResponse.FromString,
                )

                async def get_bare(i: int) -> None:
                    await call(reg.GetMemberRequest(member_id=ids[i % len(ids)]), metadata=metadata, timeout=10)

                baseline = await run_load(get_bare, args.concurrency, seconds)
        finally:
            bare.stop()

    emit(
        "get_member",
        seconds=seconds,
        concurrency=args.concurrency,
        response_bytes=size,
        tls=True,
        **ours.summary("get_member"),
        **plaintext.summary("get_member_plaintext"),
        tls_ratio=ratio(ours.calls_per_second, plaintext.calls_per_second),
        **baseline.summary("bare_grpc"),
        ratio_to_bare=ratio(plaintext.calls_per_second, baseline.calls_per_second),
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-bare":
        asyncio.run(serve_bare(int(sys.argv[2]), sys.argv[3]))
    else:
        main(benchmark)
