-- Team volunteers (志愿服务队: residents who are not party members) take activities' volunteer roles: a sign-up is a
-- member's, a resident's (by the front end's reference) or a team volunteer's (ids only, as the registry gives them).
alter table activity_signups
    add column team_id bigint,
    add column team_member_id bigint,
    drop constraint activity_signups_check,
    add constraint activity_signups_one_person
        check (num_nonnulls(member_id, resident_ref, team_member_id) = 1
            and (team_member_id is null) = (team_id is null)
            and (team_member_id is null or role <> ''));
create unique index activity_signups_one_team_volunteer on activity_signups (activity_id, team_member_id)
    where team_member_id is not null and status <> 'cancelled';
