"""The retention erasures' SQL on a real Postgres: what is old enough is erased, what is newer or still open is
kept, in batches that say whether more remain, each record audited once, nothing erased twice, and the rows, their
states and counts unchanged."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.dispatch.__main__ import MIGRATIONS as DISPATCH_MIGRATIONS
from services.dispatch.servicer import ALERT_ADDRESS_ERASURE
from services.registry.__main__ import MIGRATIONS as REGISTRY_MIGRATIONS
from services.registry.members.retention import MEMBER_ERASURE
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role
from services.runtime.db import create_pool, migrate
from services.runtime.retention import ERASED, PERSONAL_DATA_ERASED, Erasure, erase_expired
from services.wishes import domain as wish_domain
from services.wishes.__main__ import MIGRATIONS as WISH_MIGRATIONS
from services.wishes.personal_data import RESIDENT_ERASURE

WORKER = Caller("service:worker", Role.SERVICE, WHOLE_DEPLOYMENT)


async def erase_all(pool: asyncpg.Pool, erasure: Erasure, args: Sequence[object], batch: int) -> list[tuple[int, bool]]:
    batches = []
    while True:
        batches.append(await erase_expired(pool, WORKER, erasure, args, batch))
        if not batches[-1][1]:
            return batches


async def test_residents_of_wishes_closed_long_enough_ago_are_erased_in_batches_and_nothing_else(
    database_url: str,
) -> None:
    async with create_pool(database_url, "wishes", 4) as pool:
        await migrate(pool, "wishes", WISH_MIGRATIONS)
        # closed 13 months ago (3 of them, closing states of every kind), 11 months ago, and one still open
        for n, (state, closed) in enumerate(
            [
                ("closed", "13 months"),
                ("withdrawn", "14 months"),
                ("rejected", "15 months"),
                ("not_feasible", "11 months"),
                ("published", None),
            ]
        ):
            await pool.execute(
                """insert into wishes (community_id, community_path, text, source, state, resident_name_sealed,
                       resident_name_masked, resident_contact_sealed, resident_contact_masked, created_by, request_id,
                       closed_at)
                   values (7, '{1,7}', '我想要一个音响', 'visit', $1, '\\x01', '王*', '\\x02', '139****0000', 'test', $2,
                       now() - $3::text::interval)""",
                state,
                f"r{n}",
                closed,
            )
        before = await pool.fetch("select id, state, closed_at from wishes order by id")
        erased_before = PERSONAL_DATA_ERASED.labels("wishes", "wish_resident")._value.get()
        args = (12, sorted(wish_domain.CLOSED_STATES))
        assert await erase_all(pool, RESIDENT_ERASURE, args, 2) == [(2, True), (1, False)]
        assert await erase_all(pool, RESIDENT_ERASURE, args, 2) == [(0, False)]  # idempotent
        rows = await pool.fetch(
            """select id, state, closed_at, resident_name_sealed, resident_name_masked, resident_contact_masked,
                      personal_data_erased_at is not null as erased from wishes order by id"""
        )
        assert [(r["id"], r["state"], r["closed_at"]) for r in rows] == [tuple(r) for r in before]
        assert [(r["erased"], r["resident_name_masked"]) for r in rows] == [
            (True, ERASED),
            (True, ERASED),
            (True, ERASED),
            (False, "王*"),
            (False, "王*"),
        ]
        assert rows[0]["resident_name_sealed"] is None and rows[0]["resident_contact_masked"] == ERASED
        audited = await pool.fetch("select subject_id from audit_log where action = 'erase_personal_data'")
        assert sorted(int(r["subject_id"]) for r in audited) == [rows[0]["id"], rows[1]["id"], rows[2]["id"]]
        assert PERSONAL_DATA_ERASED.labels("wishes", "wish_resident")._value.get() == erased_before + 3


async def test_closed_alerts_addresses_go_after_their_days_and_open_alerts_keep_theirs(database_url: str) -> None:
    async with create_pool(database_url, "dispatch", 4) as pool:
        await migrate(pool, "dispatch", DISPATCH_MIGRATIONS)
        for n, (state, closed) in enumerate([("resolved", "31 days"), ("cancelled", "29 days"), ("raised", None)]):
            await pool.execute(
                """insert into alerts (kind, state, unit_id, unit_path, community_id, address_sealed, address_masked,
                       device_id_masked, created_by, request_id, closed_at)
                   values ('fall', $1, 7, '{1,7}', 7, '\\x01', '幸福里*号', '', 'test', $2, now() - $3::text::interval)""",
                state,
                f"a{n}",
                closed,
            )
        assert await erase_all(pool, ALERT_ADDRESS_ERASURE, (30,), 10) == [(1, False)]
        rows = await pool.fetch(
            "select state, address_sealed, address_masked, device_id_masked from alerts order by id"
        )
        assert [tuple(r) for r in rows] == [
            ("resolved", None, ERASED, ""),
            ("cancelled", b"\x01", "幸福里*号", ""),
            ("raised", b"\x01", "幸福里*号", ""),
        ]


async def test_members_deregistered_long_enough_ago_lose_name_phone_and_id_number_but_stay(database_url: str) -> None:
    async with create_pool(database_url, "registry", 4) as pool:
        await migrate(pool, "registry", REGISTRY_MIGRATIONS)
        unit = await pool.fetchval(
            "insert into org_units (kind, name, path, created_by, request_id) values ('community', '社区', '1', 't', 'u')"
            " returning id"
        )
        await pool.execute("update org_units set path = $1::text::public.ltree where id = $2", str(unit), unit)
        for n, (status, ago) in enumerate(
            [("deregistered", "25 months"), ("deregistered", "23 months"), ("active", None)]
        ):
            await pool.execute(
                """insert into members (name, workplace_org, community_id, residence_unit_id, residence_path,
                       management_level, phone_sealed, phone_hash, phone_masked, id_number_sealed, id_number_hash,
                       id_number_masked, status, created_by, request_id, deregistered_at)
                   values ('马丽', '宝鸡市文旅局党组', $1, $1, $2::text::public.ltree, 'city', '\\x01', $3, '139****0000',
                       '\\x02', $4, '610***********1234', $5, 't', $6, now() - $7::text::interval)""",
                unit,
                str(unit),
                bytes([n]),
                bytes([n + 10]),
                status,
                f"m{n}",
                ago,
            )
        assert await erase_all(pool, MEMBER_ERASURE, (24,), 10) == [(1, False)]
        rows = await pool.fetch("select name, status, phone_hash, id_number_masked from members order by id")
        assert [tuple(r) for r in rows] == [
            (ERASED, "deregistered", None, ERASED),
            ("马丽", "deregistered", b"\x01", "610***********1234"),
            ("马丽", "active", b"\x02", "610***********1234"),
        ]
