-- A volunteer team's group claim may include team volunteers who are not party members (志愿服务队 residents): by
-- the registry's TeamMember.id, ids only. They hold no claim (the claimant is a member) and have no open-claim cap.
alter table wishes add column participant_team_member_ids bigint[] not null default '{}';
