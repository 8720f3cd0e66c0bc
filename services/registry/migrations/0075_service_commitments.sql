-- Service commitments (服务承诺制度): one per member and year, replaced by a later one (set_at says when). A committed
-- post is one of the member's community's standing posts; holding it is a claim in service_post_claims.
create table service_commitments (
    member_id bigint not null references members (id),
    year integer not null check (year between 2000 and 2100),
    post_id bigint references service_posts (id),
    services integer not null default 0 check (services between 0 and 1000),
    hours numeric(7, 2) not null default 0 check (hours between 0 and 2000),
    set_at timestamptz not null default now(),
    set_by text not null,
    primary key (member_id, year),
    check (post_id is not null or services > 0 or hours > 0)
);
-- ListLaggingCommitments pages one year's commitments by member id.
create index service_commitments_year on service_commitments (year, member_id);
