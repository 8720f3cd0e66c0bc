-- Service records (纪实), where members lived over time, and deregistration.
alter table members
    add column deregistered_at timestamptz,
    add column deregister_reason text;

-- Where each member lived and when: a transfer (流动) closes one row and opens the next, so history stays.
create table member_residences (
    id bigint generated always as identity primary key,
    member_id bigint not null references members (id),
    community_id bigint not null references org_units (id),
    residence_unit_id bigint not null references org_units (id),
    residence_path public.ltree not null,
    from_time timestamptz not null,
    to_time timestamptz,
    reason text not null default ''
);
create index member_residences_member on member_residences (member_id, from_time);
create index member_residences_path on member_residences using gist (residence_path);
create unique index member_residences_one_open on member_residences (member_id) where to_time is null;
insert into member_residences (member_id, community_id, residence_unit_id, residence_path, from_time, reason)
    select id, community_id, residence_unit_id, residence_path, registered_at, 'registered' from members;

create table service_records (
    id bigint generated always as identity primary key,
    member_id bigint not null references members (id),
    kind text not null check (kind in ('wish', 'alert', 'activity', 'service_post', 'other')),
    source_id text not null,
    category text not null default '',
    hours numeric(7, 2) not null check (hours >= 0),
    served_at timestamptz not null,
    note text not null default '',
    -- Where the member lived when they served, so a later transfer does not move past work in reports.
    residence_path public.ltree not null,
    created_by text not null,
    request_id text not null,
    recorded_at timestamptz not null default now(),
    constraint service_records_one_per_source unique (member_id, kind, source_id)
);
create index service_records_member on service_records (member_id, served_at);
create index service_records_path on service_records using gist (residence_path);
create index service_records_served on service_records (served_at);
