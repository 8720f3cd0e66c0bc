"""The SMS / app-push gateway as the tests see it: a real HTTP receiver on 127.0.0.1 that keeps every notice it
takes with its Idempotency-Key, answers `status`, and can be taken down and brought back on the same port."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devstack.ports import HeldPort


class _Server(ThreadingHTTPServer):
    allow_reuse_port = True  # binds beside the HeldPort's socket


class NoticeGateway:
    def __init__(self) -> None:
        self.status = 204
        self.unavailable_to: set[str] = set()  # recipients it answers 503 for, whatever `status` says
        self.received: list[tuple[dict[str, Any], str]] = []  # (notice, Idempotency-Key), refused ones too
        self._taken: list[tuple[dict[str, Any], str]] = []
        self._times: list[float] = []  # when each of _taken was taken
        self._port = HeldPort()  # down until up(): connections are refused
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port.port}/notices"

    @property
    def taken(self) -> list[dict[str, Any]]:
        """The notices it answered with success, in order."""
        with self._lock:
            return [notice for notice, _ in self._taken]

    @property
    def taken_at(self) -> dict[str, float]:
        """When (time.time()) each Idempotency-Key was first taken."""
        with self._lock:
            first: dict[str, float] = {}
            for key, at in zip((key for _, key in self._taken), self._times, strict=True):
                first.setdefault(key, at)
            return first

    @property
    def keys(self) -> list[str]:
        """The Idempotency-Keys of the notices taken, in the same order."""
        with self._lock:
            return [key for _, key in self._taken]

    def notices(self, purpose: str | None = None, **match: str) -> list[dict[str, Any]]:
        """The notices taken for this purpose (any, if None) whose fields have these values."""
        return [
            n
            for n in self.taken
            if purpose in (None, n.get("purpose")) and all(n.get(k) == v for k, v in match.items())
        ]

    def up(self) -> NoticeGateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                key = self.headers.get("Idempotency-Key", "")
                with gateway._lock:
                    gateway.received.append((body, key))
                    status = 503 if body.get("recipient") in gateway.unavailable_to else gateway.status
                    if status < 300:
                        gateway._taken.append((body, key))
                        gateway._times.append(time.time())
                self.send_response(status)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        if self._server is None:
            self._server = _Server(("127.0.0.1", self._port.port), Handler)
            self._port.release()
            threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._port.hold()
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@contextmanager
def running_gateway() -> Iterator[NoticeGateway]:
    gateway = NoticeGateway().up()
    try:
        yield gateway
    finally:
        gateway.down()
