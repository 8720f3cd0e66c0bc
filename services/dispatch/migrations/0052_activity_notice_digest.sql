-- A daily digest (每日汇总) of non-urgent activity notices, for recipients who ask for it: their deliveries of such
-- notices are held (digest) until the daily digest sends them together.
create table activity_notice_preferences (
    recipient text primary key,
    daily_digest boolean not null,
    updated_by text not null,
    updated_at timestamptz not null default now()
);
alter table activity_notice_recipients add column digest boolean not null default false;
create index activity_notice_recipients_held on activity_notice_recipients (recipient, id)
    where digest and delivered_at is null and failed_at is null;
