-- ListServiceRecords and ExportServiceRecords page a member's records by (served_at, id); ListAuditEvents pages the
-- audit log newest first by id, filtered by actor, action or time (by object it has audit_log_subject already).
create index service_records_member_page on service_records (member_id, served_at, id);
drop index service_records_member;
create index audit_log_actor on audit_log (actor, id);
create index audit_log_action on audit_log (action, id);
create index audit_log_at on audit_log (at);
