-- Other processes' notices (a wish's, sent by the worker) routed by each recipient's preference and a purpose's
-- daily cap (RouteNotice): held for the daily digest, sent at once, or not sent past the day's cap. One row per
-- notice and recipient, under the caller's retry key, so a retry gets the route first given; a recipient sent at
-- once has a row only under a capped purpose, where the day's count needs it. Texts hold ids, never names.
create table routed_notices (
    id bigserial primary key,
    request_key text not null,
    recipient text not null,
    purpose text not null,
    text text not null,
    route text not null check (route in ('send', 'held', 'capped')),
    day date not null,
    held_at timestamptz not null default now(),
    delivered_at timestamptz,
    failed_at timestamptz,
    failure text,
    unique (request_key, recipient)
);
create index routed_notices_held on routed_notices (recipient, id)
    where route = 'held' and delivered_at is null and failed_at is null;
create index routed_notices_of_the_day on routed_notices (recipient, purpose, day);
