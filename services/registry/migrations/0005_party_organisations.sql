-- Party organisations on the org tree: street working committees, community party committees, grid branches,
-- building groups, special and temporary branches.
create table party_organisations (
    id bigint generated always as identity primary key,
    org_unit_id bigint not null references org_units (id),
    kind text not null check (kind in ('street_working_committee', 'community_party_committee', 'grid_branch',
        'building_group', 'special_branch', 'temporary_branch')),
    name text not null,
    focus text not null default '',
    created_at timestamptz not null default now(),
    dissolved_at timestamptz,
    dissolve_reason text not null default ''
);
create index party_organisations_unit on party_organisations (org_unit_id, id);
create unique index party_organisations_name on party_organisations (org_unit_id, name) where dissolved_at is null;
-- One committee, branch or group of each standing kind per unit at a time.
create unique index party_organisations_one_standing on party_organisations (org_unit_id, kind)
    where dissolved_at is null and kind not in ('special_branch', 'temporary_branch');
