-- Idempotent writes: the first response to each (caller, request id), returned again on a retry.
create table request_results (
    actor text not null,
    request_id text not null,
    method text not null,
    response bytea,
    at timestamptz not null default now(),
    primary key (actor, request_id)
);

alter table org_units
    add column closed_at timestamptz,
    add column close_reason text;

-- Renames, moves and closing of org units (history of the tree).
create table org_unit_events (
    id bigint generated always as identity primary key,
    org_unit_id bigint not null references org_units (id),
    kind text not null check (kind in ('created', 'renamed', 'moved', 'closed')),
    at timestamptz not null default now(),
    actor text not null,
    old_name text not null default '',
    new_name text not null default '',
    old_parent_id bigint,
    new_parent_id bigint,
    reason text not null default ''
);
create index org_unit_events_unit on org_unit_events (org_unit_id, id);
insert into org_unit_events (org_unit_id, kind, at, actor, new_name, new_parent_id)
    select id, 'created', created_at, created_by, name, parent_id from org_units;
create index org_units_children on org_units (parent_id, name, id);

-- Name-prefix search within a subtree; "C" collation so text_pattern_ops is not needed for prefix ranges.
create index members_name on members (name collate "C", id);
create index members_status_id on members (status, id);

-- Standing service posts (服务岗位) per community and who holds a place on them.
create table service_posts (
    id bigint generated always as identity primary key,
    community_id bigint not null references org_units (id),
    name text not null,
    description text not null default '',
    capacity integer not null check (capacity > 0),
    claimed integer not null default 0 check (claimed >= 0 and claimed <= capacity),
    created_at timestamptz not null default now(),
    unique (community_id, name)
);
create table service_post_claims (
    post_id bigint not null references service_posts (id),
    member_id bigint not null references members (id),
    claimed_at timestamptz not null default now(),
    primary key (post_id, member_id)
);

-- Volunteer teams (志愿服务队): registered members and resident volunteers who are not party members.
create table teams (
    id bigint generated always as identity primary key,
    org_unit_id bigint not null references org_units (id),
    kind text not null check (kind in ('party_member', 'youth_league_publicity', 'womens_federation_logistics',
        'trade_union_coordination', 'red_cross_rescue', 'custom')),
    custom_kind text not null default '',
    name text not null,
    size integer not null default 0,
    created_at timestamptz not null default now(),
    unique (org_unit_id, name)
);
create table team_members (
    id bigint generated always as identity primary key,
    team_id bigint not null references teams (id),
    member_id bigint references members (id),
    -- A resident volunteer: personal data sealed, hashed for de-duplication, masked for display.
    name_sealed bytea,
    name_masked text not null,
    phone_sealed bytea,
    phone_hash bytea,
    phone_masked text not null,
    joined_at timestamptz not null default now(),
    check ((member_id is null) <> (phone_hash is null))
);
create unique index team_members_member on team_members (team_id, member_id) where member_id is not null;
create unique index team_members_volunteer on team_members (team_id, phone_hash) where phone_hash is not null;

-- Workplace organisations paired with communities (结对共建).
create table pairings (
    id bigint generated always as identity primary key,
    workplace_org text not null,
    community_id bigint not null references org_units (id),
    community_path public.ltree not null,
    start_date date not null,
    end_date date,
    note text not null default '',
    created_at timestamptz not null default now(),
    check (end_date is null or end_date >= start_date)
);
create index pairings_path on pairings using gist (community_path);
create index org_units_path_order on org_units (path);
