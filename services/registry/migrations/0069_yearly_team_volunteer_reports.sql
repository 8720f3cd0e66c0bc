-- The yearly service report (年报) of each team volunteer who is not a member (志愿服务队), apart from the members'.
-- No foreign key to team_members: a volunteer who leaves a team keeps their past years.
create table yearly_team_volunteer_reports (
    team_member_id bigint not null,
    year integer not null check (year between 2000 and 2100),
    report jsonb not null,
    produced_at timestamptz not null default now(),
    primary key (team_member_id, year)
);
