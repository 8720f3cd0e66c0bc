-- The grid or building below the community where a wish lies (optional): its lifecycle reminds that unit first.
alter table wishes add column unit_id bigint;
