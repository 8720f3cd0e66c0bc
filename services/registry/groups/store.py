"""The SQL of the groups on the org tree: service posts (服务岗位), volunteer teams (志愿服务队), pairings with
workplace units (结对共建) and party organisations. Lists by subtree read the tree as it is now (org_units)."""

from __future__ import annotations

from datetime import date

import asyncpg

from services.registry.domain import Member, OrgUnit, Pairing, PartyOrganisation, ServicePost, Team, TeamMember
from services.registry.rows import UNITS_IN_SUBTREE, subtree_end
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.db import Connection, one_row
from services.runtime.errors import AlreadyExists, FailedPrecondition, NotFound
from services.runtime.pii import mask_name

_POST_COLUMNS = "id, community_id, name, description, capacity, claimed, created_at"
_TEAM_COLUMNS = "id, org_unit_id, kind, custom_kind, name, size, created_at"
_TEAM_MEMBER_COLUMNS = "id, team_id, member_id, name_masked, phone_masked, joined_at"
_PARTY_ORG_COLUMNS = "id, org_unit_id, kind, name, focus, created_at, dissolved_at"
_PAIRING_COLUMNS = "id, workplace_org, community_id, start_date, end_date, note"


def _pairing(row: asyncpg.Record) -> Pairing:
    return Pairing(
        id=row["id"],
        workplace_org=row["workplace_org"],
        community_id=row["community_id"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        note=row["note"],
    )


def _prefixed(columns: str, table: str) -> str:
    return ", ".join(f"{table}.{c.strip()}" for c in columns.split(","))


class GroupStore:
    pool: asyncpg.Pool

    async def create_service_post(
        self, conn: Connection, caller: Caller, community: OrgUnit, name: str, description: str, capacity: int
    ) -> ServicePost:
        try:
            row = await one_row(
                conn,
                f"""insert into service_posts (community_id, name, description, capacity) values ($1, $2, $3, $4)
                    returning {_POST_COLUMNS}""",
                community.id,
                name,
                description,
                capacity,
            )
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyExists("the community has a post of this name already", "name") from exc
        await write_audit(conn, caller, "create_service_post", "service_post", row["id"], community_id=community.id)
        return ServicePost(**dict(row))

    async def service_post(self, post_id: int) -> ServicePost | None:
        row = await self.pool.fetchrow(f"select {_POST_COLUMNS} from service_posts where id = $1", post_id)
        return ServicePost(**dict(row)) if row else None

    async def service_posts(self, community_id: int, after_id: int, limit: int) -> list[ServicePost]:
        rows = await self.pool.fetch(
            f"select {_POST_COLUMNS} from service_posts where community_id = $1 and id > $2 order by id limit $3",
            community_id,
            after_id,
            limit,
        )
        return [ServicePost(**dict(r)) for r in rows]

    async def claim_service_post(
        self, conn: Connection, caller: Caller, post: ServicePost, member: Member
    ) -> ServicePost:
        """Takes a place: the conditional update is the capacity check, so two claims cannot share the last
        place (the second waits for the first's row lock, then sees the post full)."""
        inserted = await conn.fetchval(
            """insert into service_post_claims (post_id, member_id) values ($1, $2)
               on conflict do nothing returning true""",
            post.id,
            member.id,
        )
        if not inserted:
            raise AlreadyExists("the member holds a place on this post already", "member_id")
        row = await conn.fetchrow(
            f"""update service_posts set claimed = claimed + 1 where id = $1 and claimed < capacity
                returning {_POST_COLUMNS}""",
            post.id,
        )
        if row is None:
            raise FailedPrecondition(f"the post is full ({post.capacity} places)", "post_id")
        await write_audit(conn, caller, "claim_service_post", "service_post", post.id, member_id=member.id)
        return ServicePost(**dict(row))

    async def release_service_post(
        self, conn: Connection, caller: Caller, post: ServicePost, member_id: int
    ) -> ServicePost:
        deleted = await conn.fetchval(
            "delete from service_post_claims where post_id = $1 and member_id = $2 returning true", post.id, member_id
        )
        if not deleted:
            raise FailedPrecondition("the member holds no place on this post", "member_id")
        row = await one_row(
            conn, f"update service_posts set claimed = claimed - 1 where id = $1 returning {_POST_COLUMNS}", post.id
        )
        await write_audit(conn, caller, "release_service_post", "service_post", post.id, member_id=member_id)
        return ServicePost(**dict(row))

    async def create_team(
        self, conn: Connection, caller: Caller, unit: OrgUnit, kind: str, custom_kind: str, name: str
    ) -> Team:
        try:
            row = await one_row(
                conn,
                f"""insert into teams (org_unit_id, kind, custom_kind, name) values ($1, $2, $3, $4)
                    returning {_TEAM_COLUMNS}""",
                unit.id,
                kind,
                custom_kind,
                name,
            )
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyExists("the unit has a team of this name already", "name") from exc
        await write_audit(conn, caller, "create_team", "team", row["id"], org_unit_id=unit.id, kind=kind)
        return Team(**dict(row))

    async def team(self, team_id: int) -> Team | None:
        row = await self.pool.fetchrow(f"select {_TEAM_COLUMNS} from teams where id = $1", team_id)
        return Team(**dict(row)) if row else None

    async def teams(self, subtree: OrgUnit, after_id: int, limit: int) -> list[Team]:
        rows = await self.pool.fetch(
            f"""select {_prefixed(_TEAM_COLUMNS, "t")} from teams t join org_units u on u.id = t.org_unit_id
                where {UNITS_IN_SUBTREE} and t.id > $3 order by t.id limit $4""",
            subtree.path,
            subtree_end(subtree.path),
            after_id,
            limit,
        )
        return [Team(**dict(r)) for r in rows]

    async def add_team_member(
        self,
        conn: Connection,
        caller: Caller,
        team: Team,
        *,
        member: Member | None = None,
        volunteer: tuple[bytes, str, bytes, bytes, str] | None = None,
    ) -> TeamMember:
        """Adds a registered member, or a resident volunteer given as (name sealed, name masked, phone sealed,
        phone hash, phone masked)."""
        values: tuple[int | None, bytes | None, str, bytes | None, bytes | None, str]
        if member is not None:
            # Masked like a volunteer's: the member's name in the clear stays in the members table.
            values = (member.id, None, mask_name(member.name), None, None, member.phone_masked)
        else:
            assert volunteer is not None
            name_sealed, name_masked, phone_sealed, phone_hash, phone_masked = volunteer
            values = (None, name_sealed, name_masked, phone_sealed, phone_hash, phone_masked)
        row = await conn.fetchrow(
            f"""insert into team_members (team_id, member_id, name_sealed, name_masked, phone_sealed, phone_hash,
                    phone_masked)
                values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing returning {_TEAM_MEMBER_COLUMNS}""",
            team.id,
            *values,
        )
        if row is None:
            raise AlreadyExists("this person is on the team already", "member_id" if member else "volunteer")
        await conn.execute("update teams set size = size + 1 where id = $1", team.id)
        await write_audit(conn, caller, "add_team_member", "team", team.id, team_member_id=row["id"])
        return TeamMember(**dict(row))

    async def remove_team_member(self, conn: Connection, caller: Caller, team: Team, team_member_id: int) -> Team:
        deleted = await conn.fetchval(
            "delete from team_members where team_id = $1 and id = $2 returning true", team.id, team_member_id
        )
        if not deleted:
            raise NotFound(f"no one with id {team_member_id} on team {team.id}", "team_member_id")
        row = await one_row(conn, f"update teams set size = size - 1 where id = $1 returning {_TEAM_COLUMNS}", team.id)
        await write_audit(conn, caller, "remove_team_member", "team", team.id, team_member_id=team_member_id)
        return Team(**dict(row))

    async def team_member(self, team_member_id: int) -> TeamMember | None:
        row = await self.pool.fetchrow(f"select {_TEAM_MEMBER_COLUMNS} from team_members where id = $1", team_member_id)
        return TeamMember(**dict(row)) if row is not None else None

    async def team_members(self, team_id: int, after_id: int, limit: int) -> list[TeamMember]:
        rows = await self.pool.fetch(
            f"""select {_TEAM_MEMBER_COLUMNS} from team_members where team_id = $1 and id > $2
                order by id limit $3""",
            team_id,
            after_id,
            limit,
        )
        return [TeamMember(**dict(r)) for r in rows]

    async def create_pairing(
        self,
        conn: Connection,
        caller: Caller,
        workplace_org: str,
        community: OrgUnit,
        start: date,
        end: date | None,
        note: str,
    ) -> Pairing:
        row = await one_row(
            conn,
            f"""insert into pairings (workplace_org, community_id, community_path, start_date, end_date, note)
                values ($1, $2, $3::public.ltree, $4, $5, $6) returning {_PAIRING_COLUMNS}""",
            workplace_org,
            community.id,
            community.path,
            start,
            end,
            note,
        )
        await write_audit(conn, caller, "create_pairing", "pairing", row["id"], community_id=community.id)
        return _pairing(row)

    async def pairing(self, pairing_id: int, conn: Connection | None = None, *, lock: bool = False) -> Pairing:
        row = await (conn or self.pool).fetchrow(
            f"select {_PAIRING_COLUMNS} from pairings where id = $1{' for update' if lock else ''}", pairing_id
        )
        if row is None:
            raise NotFound(f"no pairing {pairing_id}", "pairing_id")
        return _pairing(row)

    async def end_pairing(self, conn: Connection, caller: Caller, pairing: Pairing, end: date) -> Pairing:
        row = await one_row(
            conn, f"update pairings set end_date = $2 where id = $1 returning {_PAIRING_COLUMNS}", pairing.id, end
        )
        await write_audit(conn, caller, "end_pairing", "pairing", pairing.id, end_date=end.isoformat())
        return _pairing(row)

    async def pairings(self, subtree: OrgUnit, active_on: date | None, after_id: int, limit: int) -> list[Pairing]:
        # By the community's place in the tree now (org_units), not a path kept with the pairing.
        rows = await self.pool.fetch(
            f"""select {_prefixed(_PAIRING_COLUMNS, "p")} from pairings p join org_units u on u.id = p.community_id
                where {UNITS_IN_SUBTREE} and p.id > $3
                  and ($4::date is null or (p.start_date <= $4 and (p.end_date is null or p.end_date >= $4)))
                order by p.id limit $5""",
            subtree.path,
            subtree_end(subtree.path),
            after_id,
            active_on,
            limit,
        )
        return [_pairing(r) for r in rows]

    async def create_party_organisation(
        self, conn: Connection, caller: Caller, unit: OrgUnit, kind: str, name: str, focus: str
    ) -> PartyOrganisation:
        try:
            row = await one_row(
                conn,
                f"""insert into party_organisations (org_unit_id, kind, name, focus) values ($1, $2, $3, $4)
                    returning {_PARTY_ORG_COLUMNS}""",
                unit.id,
                kind,
                name,
                focus,
            )
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "party_organisations_one_standing":
                raise AlreadyExists(f"the unit has a {kind} already", "kind") from exc
            raise AlreadyExists("the unit has a party organisation of this name already", "name") from exc
        await write_audit(conn, caller, "create_party_organisation", "party_organisation", row["id"], kind=kind)
        return PartyOrganisation(**dict(row))

    async def party_organisations(
        self, subtree: OrgUnit, kind: str | None, include_dissolved: bool, after_id: int, limit: int
    ) -> list[PartyOrganisation]:
        rows = await self.pool.fetch(
            f"""select {_prefixed(_PARTY_ORG_COLUMNS, "p")}
                from party_organisations p join org_units u on u.id = p.org_unit_id
                where {UNITS_IN_SUBTREE}
                  and ($3::text is null or p.kind = $3) and ($4 or p.dissolved_at is null) and p.id > $5
                order by p.id limit $6""",
            subtree.path,
            subtree_end(subtree.path),
            kind,
            include_dissolved,
            after_id,
            limit,
        )
        return [PartyOrganisation(**dict(r)) for r in rows]

    async def party_organisation(
        self, party_org_id: int, conn: Connection | None = None, *, lock: bool = False
    ) -> PartyOrganisation:
        row = await (conn or self.pool).fetchrow(
            f"select {_PARTY_ORG_COLUMNS} from party_organisations where id = $1{' for update' if lock else ''}",
            party_org_id,
        )
        if row is None:
            raise NotFound(f"no party organisation {party_org_id}", "party_organisation_id")
        return PartyOrganisation(**dict(row))

    async def dissolve_party_organisation(
        self, conn: Connection, caller: Caller, party_org: PartyOrganisation, reason: str
    ) -> PartyOrganisation:
        row = await one_row(
            conn,
            f"""update party_organisations set dissolved_at = now(), dissolve_reason = $2 where id = $1
                returning {_PARTY_ORG_COLUMNS}""",
            party_org.id,
            reason,
        )
        await write_audit(
            conn, caller, "dissolve_party_organisation", "party_organisation", party_org.id, reason=reason
        )
        return PartyOrganisation(**dict(row))
