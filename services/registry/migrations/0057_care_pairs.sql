-- Care pairs (结对帮扶): carers (members, and/or a team) paired with a resident or household they visit every
-- cadence_days. The resident's personal data is sealed (AES-GCM, services/runtime/pii.py) and masked for display.
create table care_pairs (
    id bigint generated always as identity primary key,
    unit_id bigint not null references org_units (id),
    resident_ref text not null,
    caree_kind text not null check (caree_kind in ('resident', 'household')),
    people integer not null check (people between 1 and 50),
    resident_name_sealed bytea,
    resident_name_masked text not null default '',
    address_sealed bytea,
    address_masked text not null default '',
    contact_sealed bytea,
    contact_masked text not null default '',
    team_id bigint references teams (id),
    cadence_days integer not null check (cadence_days between 1 and 90),
    state text not null default 'active' check (state in ('active', 'ended')),
    -- When the pairing began: now, or earlier for a pair that already existed on paper. Its clock runs from here.
    began_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    created_by text not null,
    last_visit_id bigint,
    last_visit_at timestamptz,
    visits integer not null default 0,
    ended_at timestamptz,
    ended_by text,
    end_reason text check (end_reason in ('moved', 'passed_away', 'no_longer_needed', 'other')),
    end_note text not null default '',
    version bigint not null default 1
);
create index care_pairs_unit on care_pairs (unit_id, id);
-- One active pair per resident reference and unit: pairing the same resident twice is a mistake.
create unique index care_pairs_one_active on care_pairs (unit_id, resident_ref) where state = 'active';

create table care_pair_carers (
    pair_id bigint not null references care_pairs (id),
    member_id bigint not null references members (id),
    primary key (pair_id, member_id)
);
create index care_pair_carers_member on care_pair_carers (member_id);

create table care_visits (
    id bigint generated always as identity primary key,
    pair_id bigint not null references care_pairs (id),
    member_ids bigint[] not null,
    visited_at timestamptz not null,
    note text not null default '',
    hours numeric(5, 2) not null,
    recorded_by text not null,
    recorded_at timestamptz not null default now()
);
create index care_visits_pair on care_visits (pair_id, id);
create index care_visits_at on care_visits (visited_at);

-- A cadence period that ran out with no visit: recorded once when the carers are reminded, and stamped when the
-- office is told.
create table care_misses (
    id bigint generated always as identity primary key,
    pair_id bigint not null references care_pairs (id),
    after_visit_id bigint not null,  -- 0: counted from the pairing
    period integer not null check (period >= 1),
    reminded_at timestamptz not null default now(),
    office_told_at timestamptz,
    unique (pair_id, after_visit_id, period)
);
create index care_misses_at on care_misses (reminded_at);

-- Every change of a pair, in order: its history and the outbox that tells its CarePair workflow
-- (services/runtime/outbox.py).
create table care_events (
    id bigint generated always as identity primary key,
    pair_id bigint not null references care_pairs (id),
    version bigint not null,
    kind text not null check (kind in ('created', 'visit', 'carers', 'ended')),
    at timestamptz not null default now(),
    actor text not null,
    delivered_at timestamptz,
    unique (pair_id, version)
);
create index care_events_undelivered on care_events (id) where delivered_at is null;

-- A visit is service (纪实) of each member who made it.
alter table service_records drop constraint service_records_kind_check;
alter table service_records add constraint service_records_kind_check
    check (kind in ('wish', 'alert', 'activity', 'service_post', 'other', 'care_visit'));
