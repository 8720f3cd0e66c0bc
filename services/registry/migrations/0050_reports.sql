-- Reports: the weekly report of an org unit (周报) and the yearly service report of a member (年报). Each is
-- stored once per unit (member) and period: producing it again returns the stored one.
create table weekly_reports (
    id bigint generated always as identity primary key,
    org_unit_id bigint not null references org_units (id),
    week_start date not null,
    -- The report as the API gives it (linli.registry.v1.WeeklyReport in its JSON form).
    report jsonb not null,
    created_by text not null,
    request_id text not null,
    produced_at timestamptz not null default now(),
    unique (org_unit_id, week_start)
);
create index weekly_reports_week on weekly_reports (week_start, org_unit_id);

create table yearly_service_reports (
    member_id bigint not null references members (id),
    year integer not null check (year between 2000 and 2100),
    report jsonb not null,
    produced_at timestamptz not null default now(),
    primary key (member_id, year)
);
