"""Rotating the personal-data key for wishes: the wishes service started with a new active key re-seals residents'
names and contacts that the old key sealed, in batches, audited; afterwards they open under the new key alone.
Over real gRPC (the call interceptor with the wishes' authorisation table) and a real Postgres."""

from __future__ import annotations

import os

import grpc
import pytest
from linli.wishes.v1 import wishes_pb2 as pb

from services.runtime.auth import WHOLE_DEPLOYMENT, Role
from services.runtime.pii import PersonalDataCipher
from tests.integration.helpers.wish_service import COMMUNITY, LOOKUP, STREET, served, token, wish_service

OLD, NEW = os.urandom(32), os.urandom(32)
ADMIN = token(Role.ADMIN, WHOLE_DEPLOYMENT)


async def test_rotation_reseals_old_rows_under_the_new_key_and_they_open_under_it_alone(database_url: str) -> None:
    old_only = PersonalDataCipher({"k1": OLD}, "k1", LOOKUP)
    rotated = PersonalDataCipher({"k2": NEW, "k1": OLD}, "k2", LOOKUP)
    new_only = PersonalDataCipher({"k2": NEW}, "k2", LOOKUP)
    ids = []
    async with wish_service(database_url, old_only) as service, served(service) as api:
        for n in range(5):
            submitted = await api.SubmitWish(
                pb.SubmitWishRequest(
                    request_id=f"w{n}",
                    community_id=COMMUNITY,
                    text=f"心愿{n}",
                    source=pb.WISH_SOURCE_VISIT,
                    resident_name=f"居民{n}",
                    resident_contact=f"1380000000{n}" if n % 2 else "",
                ),
                metadata=ADMIN,
            )
            ids.append(submitted.wish.id)

    async with wish_service(database_url, rotated) as service, served(service) as api:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await api.RotatePersonalDataKeys(
                pb.RotatePersonalDataKeysRequest(), metadata=token(Role.ADMIN, STREET, "street-admin")
            )
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        first = await api.RotatePersonalDataKeys(pb.RotatePersonalDataKeysRequest(batch_size=3), metadata=ADMIN)
        assert (first.resealed, first.remaining, first.active_key_id) == (3, 2, "k2")
        second = await api.RotatePersonalDataKeys(pb.RotatePersonalDataKeysRequest(), metadata=ADMIN)
        assert (second.resealed, second.remaining) == (2, 0)
        pool = service.store.pool
        rows = await pool.fetch(
            "select id, resident_name_sealed, resident_contact_sealed from wishes where id = any($1::bigint[])",
            [int(i) for i in ids],
        )
        audit = await pool.fetch("select actor, detail from audit_log where action = 'rotate_personal_data_keys'")

    assert {new_only.key_id_of(r["resident_name_sealed"]) for r in rows} == {"k2"}
    by_id = {str(r["id"]): r for r in rows}
    for n, wish_id in enumerate(ids):
        row = by_id[wish_id]
        assert new_only.open(row["resident_name_sealed"], "wish.resident_name") == f"居民{n}"
        contact = row["resident_contact_sealed"]
        assert (new_only.open(contact, "wish.resident_contact") if contact else "") == (
            f"1380000000{n}" if n % 2 else ""
        )
    assert [(a["actor"], a["detail"]["resealed"]) for a in audit] == [("ops", 3), ("ops", 2)]


async def test_a_resident_sealed_under_a_key_the_deployment_lost_is_a_clear_refusal_not_internal(
    database_url: str,
) -> None:
    async with (
        wish_service(database_url, PersonalDataCipher({"k1": OLD}, "k1", LOOKUP)) as service,
        served(service) as api,
    ):
        submitted = await api.SubmitWish(
            pb.SubmitWishRequest(
                request_id="lost-key",
                community_id=COMMUNITY,
                text="想找人修水管",
                source=pb.WISH_SOURCE_VISIT,
                resident_name="钱七",
            ),
            metadata=ADMIN,
        )
    async with (
        wish_service(database_url, PersonalDataCipher({"k2": NEW}, "k2", LOOKUP)) as service,
        served(service) as api,
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await api.RevealWishResident(
                pb.RevealWishResidentRequest(wish_id=submitted.wish.id, reason="回访居民"), metadata=ADMIN
            )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "k1" in (refused.value.details() or "") and "钱七" not in (refused.value.details() or "")
