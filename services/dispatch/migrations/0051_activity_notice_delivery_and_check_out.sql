-- Activity notices are delivered (log, webhook) by the worker, one row per recipient, each marked when the
-- gateway took it or refused it for good; a notice is sent once every recipient's row is settled.
create table activity_notice_recipients (
    id bigint generated always as identity primary key,
    event_id bigint not null references activity_events (id),
    recipient text not null,
    delivered_at timestamptz,
    failed_at timestamptz,
    failure text not null default '',
    unique (event_id, recipient)
);
create index activity_notice_recipients_pending on activity_notice_recipients (event_id, id)
    where delivered_at is null and failed_at is null;

alter table activity_events add column sent_at timestamptz;

-- Notices recorded before this release were for the front ends to deliver: nothing for the relay to tell.
update activity_events set delivered_at = at where kind = 'notice' and delivered_at is null;
-- The relay now also tells the workflow of notices recorded outside it (a promotion from the waiting list).
create index activity_events_unrelayed on activity_events (id) where delivered_at is null;

-- Check-out (签退) and the hours each volunteer is credited with at close-out.
alter table activity_signups add column checked_out_at timestamptz;
alter table activity_signups add column service_hours numeric(6, 2);
