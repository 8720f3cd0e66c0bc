-- Team volunteers (志愿服务队: residents who are not party members) have their service recorded (纪实) as members do.
-- A record is a member's or a team volunteer's, never both. No foreign key to team_members: RemoveTeamMember deletes
-- the row, and a volunteer who leaves a team keeps what they did. residence_path is then the team's unit's path.
alter table service_records
    alter column member_id drop not null,
    add column team_id bigint references teams (id),
    add column team_member_id bigint,
    add constraint service_records_member_or_volunteer
        check ((member_id is null) <> (team_member_id is null) and (team_member_id is null) = (team_id is null));
create unique index service_records_volunteer_one_per_source
    on service_records (team_member_id, kind, source_id) where team_member_id is not null;
