-- Scope follows the org tree as it is now: alerts, activities and recurring activities are checked by the unit they
-- belong to (its ancestors as the registry has them at the time of the call), and counted by the communities and
-- streets under a unit now — no longer by the path stored on the day they were made (unit_path and org_path stay,
-- unread for scope, so the gin indexes over them go).
drop index if exists alerts_unit_path;
drop index if exists activities_org_path;
create index alerts_by_community on alerts (community_id, raised_at);
create index alerts_by_grid on alerts (grid_id, raised_at) where grid_id is not null;
create index alerts_by_building on alerts (building_id, raised_at) where building_id is not null;
create index activities_by_organiser on activities (org_unit_id);

-- A resident's notice preference is in a caller's scope when one of the resident's sign-ups is.
create index activity_signups_by_resident on activity_signups (resident_ref) where resident_ref is not null;

-- From here, created_by holds the caller's key (role, scope and subject: services/runtime/auth.py, Caller.key), and
-- alert_events.request_id and activity_events.request_id the caller's retry key, so a request id belongs to one
-- caller: another's never answers for it nor blocks it. Rows from before keep the subject and the bare request id:
-- a retry across the upgrade is taken as a new request.
