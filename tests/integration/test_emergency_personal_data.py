"""Alerts' personal data at rest on dispatch's real store: rows from before sealing get sealed at start, and a key
rotation reseals them under the new key, after which the old key is no longer needed to open them."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

import services.dispatch
from services.dispatch.alerts import domain
from services.dispatch.store import DispatchStore
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role
from services.runtime.db import create_pool, migrate
from services.runtime.pii import PersonalDataCipher

# Not through services.dispatch.__main__: this needs only the store.
MIGRATIONS = Path(services.dispatch.__file__).parent / "migrations"
OLD, NEW, LOOKUP = os.urandom(32), os.urandom(32), os.urandom(32)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database_url, "dispatch", 4) as pool:
        await migrate(pool, "dispatch", MIGRATIONS)
        yield pool


async def test_clear_rows_are_sealed_at_start_and_resealed_after_a_rotation(pool: asyncpg.Pool) -> None:
    # Alerts written in the clear, as before addresses were sealed.
    for n in range(3):
        await pool.execute(
            """insert into alerts (kind, state, unit_id, unit_path, community_id, address, device_id, created_by,
                   request_id)
               values ('fall', 'raised', 7, '{1,7}', 7, $1, $2, 'gateway', $3)""",
            f"2单元30{n}",
            f"nanny-000{n}" if n else "",
            f"r{n}",
        )
    store = DispatchStore(pool)
    old_only = PersonalDataCipher({"k1": OLD}, "k1", LOOKUP)
    await store.seal_at_rest(old_only)

    rows = await pool.fetch("select * from alerts order by id")
    assert [(r["address"], r["device_id"], r["data_key_id"]) for r in rows] == [("", "", "k1")] * 3
    assert [old_only.open(r["address_sealed"], domain.ADDRESS_FIELD) for r in rows] == [
        "2单元300",
        "2单元301",
        "2单元302",
    ]
    assert rows[0]["device_id_sealed"] is None and rows[0]["device_id_masked"] == ""
    assert old_only.open(rows[1]["device_id_sealed"], domain.DEVICE_ID_FIELD) == "nanny-0001"
    assert rows[1]["address_masked"] == domain.mask_address("2单元301") and "301" not in rows[1]["address_masked"]

    # Rotation: the new key first, the old one kept to open what it sealed until the reseal is done.
    rotated = PersonalDataCipher({"k2": NEW, "k1": OLD}, "k2", LOOKUP)
    await store.seal_at_rest(rotated)
    new_only = PersonalDataCipher({"k2": NEW}, "k2", LOOKUP)
    rows = await pool.fetch("select * from alerts order by id")
    assert {r["data_key_id"] for r in rows} == {"k2"}
    assert new_only.open(rows[2]["address_sealed"], domain.ADDRESS_FIELD) == "2单元302"
    assert new_only.open(rows[1]["device_id_sealed"], domain.DEVICE_ID_FIELD) == "nanny-0001"


async def test_revealing_an_alerts_address_is_audited(pool: asyncpg.Pool) -> None:
    await pool.execute(
        """insert into alerts (kind, state, unit_id, unit_path, community_id, created_by, request_id)
           values ('fall', 'raised', 7, '{1,7}', 7, 'gateway', 'r1')"""
    )
    alert_id = await pool.fetchval("select id from alerts")
    staff = Caller("staff-li", Role.STAFF, WHOLE_DEPLOYMENT)
    await DispatchStore(pool).reveal(staff, alert_id, "get_alert")
    audit = await pool.fetchrow("select actor, action, subject_kind, subject_id from audit_log")
    assert tuple(audit) == ("staff-li", "reveal_alert_personal_data", "alert", str(alert_id))
