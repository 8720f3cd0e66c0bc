"""Files the local run and the deployment commands write: private ones (keys, tokens, secrets) readable by their
owner only from the moment they exist, and every one replaced whole, never half written."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, data: bytes | str) -> None:
    """A private key, readable by its owner only from the moment it exists; replaced whole (never half written)."""
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    staging.unlink(missing_ok=True)
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data.encode() if isinstance(data, str) else data)
    staging.replace(path)


def write_public(path: Path, data: bytes | str) -> None:
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    staging.write_bytes(data.encode() if isinstance(data, str) else data)
    staging.replace(path)
