-- Searches page by id within a subtree (the primary key and the residence_path index serve them); these two
-- indexes were never chosen by the planner and only slowed bulk imports down.
drop index members_name;
drop index members_status_id;
