"""Request ids and resident ID numbers, new on every call of the run."""

from __future__ import annotations

import itertools
import uuid

from services.registry.domain import id_number_check_char

_serial = itertools.count(1)


def new_request_id() -> str:
    return uuid.uuid4().hex


def new_id_number() -> str:
    """A valid resident ID number (region 610302: 宝鸡市渭滨区), different on every call of the run."""
    n = next(_serial)
    birth = f"{1950 + n % 50}{1 + n // 50 % 12:02d}{1 + n // 600 % 28:02d}"
    first17 = f"610302{birth}{n // 16800 % 1000:03d}"
    return first17 + id_number_check_char(first17)
