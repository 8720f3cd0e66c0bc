-- Rosters may name team volunteers (志愿服务队: residents who are not party members) beside members, and
-- volunteers may declare absences (请假) that take them off duty, off call lists and off recommendations.

alter table duty_pattern_slots
    alter column member_id drop not null,
    add column team_id bigint,
    add column team_member_id bigint,
    add constraint duty_pattern_slots_one_volunteer
        check ((member_id is null) <> (team_member_id is null) and (team_member_id is null) = (team_id is null));
alter table duty_slots
    alter column member_id drop not null,
    add column team_id bigint,
    add column team_member_id bigint,
    add constraint duty_slots_one_volunteer
        check ((member_id is null) <> (team_member_id is null) and (team_member_id is null) = (team_id is null));

create table unavailability (
    id bigint generated always as identity primary key,
    community_id bigint not null,
    -- "member:12" or "volunteer:<team member id>", as recipients and responders are named.
    volunteer text not null,
    team_id bigint,
    starts_at timestamptz not null,
    ends_at timestamptz not null check (ends_at > starts_at),
    reason text not null default '',
    created_by text not null,
    request_id text not null,
    created_at timestamptz not null default now(),
    withdrawn_at timestamptz,
    unique (created_by, request_id)
);
create index unavailability_by_community on unavailability (community_id, ends_at) where withdrawn_at is null;
create index unavailability_current on unavailability (ends_at) where withdrawn_at is null;

-- Withdrawals already done, by the caller's request id.
create table unavailability_withdrawals (
    created_by text not null,
    request_id text not null,
    unavailability_id bigint not null references unavailability (id),
    primary key (created_by, request_id)
);
