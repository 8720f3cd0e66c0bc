-- SearchMembers with a name prefix pages through one range of this index in (name, id) order by bytes, so a
-- rare prefix in a district of a million members does not scan them all.
create index members_name_prefix on members (name collate "C", id);
