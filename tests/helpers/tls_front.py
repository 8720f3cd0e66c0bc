"""A TLS front for a plaintext gRPC server of the tests (the Temporal dev server, which has no TLS options): TLS
with ALPN h2 on a loopback port of its own, the local CA's certificate, the bytes relayed to the server."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from devstack.certificates import LocalCertificates
from devstack.postgres_front import pipe


@asynccontextmanager
async def tls_front(upstream: str, certificates: LocalCertificates) -> AsyncIterator[str]:
    """Serves while the block runs; yields its address."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.cert_file, certificates.key_file)
    context.set_alpn_protocols(["h2"])
    host, _, port = upstream.rpartition(":")

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=context)
    async with server:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
        server.close()
