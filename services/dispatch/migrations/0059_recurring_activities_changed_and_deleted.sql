-- Recurring activities can be changed, paused and deleted, and their Temporal Schedules follow: each change commits a
-- new version of the row (with its change below, which is also the retry's answer), and the Schedule is brought to it
-- afterwards — at once, or, while Temporal cannot be reached, by dispatch's loop that looks for rows whose Schedule is
-- behind (schedule_version < version). A deleted one is kept, marked deleted, its Schedule deleted.
alter table recurring_activities
    add column version integer not null default 1,
    add column schedule_version integer not null default 0,
    add column updated_at timestamptz not null default now(),
    add column deleted_at timestamptz;
-- schedule_created stays for replicas of the release before (they read and set it); from here schedule_version says.
update recurring_activities set schedule_version = 1 where schedule_created;
update recurring_activities set updated_at = created_at;
create index recurring_activities_behind on recurring_activities (id) where schedule_version < version;
create index recurring_activities_by_organiser on recurring_activities (org_unit_id, id);

create table recurring_activity_changes (
    id bigint generated always as identity primary key,
    recurring_activity_id bigint not null references recurring_activities (id),
    version integer not null,
    kind text not null check (kind in ('updated', 'paused', 'resumed', 'deleted')),
    actor text not null,
    note text not null default '',
    request_key text not null unique,  -- the caller's retry key (Caller.retry_key)
    answer jsonb not null,  -- the RecurringActivity the change answered with, for a retry
    at timestamptz not null default now()
);
create index recurring_activity_changes_by_activity on recurring_activity_changes (recurring_activity_id, id);
