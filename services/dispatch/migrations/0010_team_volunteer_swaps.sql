-- A swap may hand a duty from or to a team volunteer, named as on the rosters: a member, or a team and its volunteer.

alter table duty_swaps
    alter column from_member_id drop not null,
    alter column to_member_id drop not null,
    add column from_team_id bigint,
    add column from_team_member_id bigint,
    add column to_team_id bigint,
    add column to_team_member_id bigint,
    add constraint duty_swaps_one_from
        check ((from_member_id is null) <> (from_team_member_id is null) and (from_team_member_id is null) = (from_team_id is null)),
    add constraint duty_swaps_one_to
        check ((to_member_id is null) <> (to_team_member_id is null) and (to_team_member_id is null) = (to_team_id is null));
