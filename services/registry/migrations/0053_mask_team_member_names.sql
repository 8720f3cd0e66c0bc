-- A registered member added to a team had their full name written into team_members.name_masked. Mask what is
-- stored as mask_name does (the first character, then one star a character); the full name stays in members.
update team_members
set name_masked = left(name_masked, 1) || repeat('*', char_length(name_masked) - 1)
where member_id is not null and char_length(name_masked) > 1;
