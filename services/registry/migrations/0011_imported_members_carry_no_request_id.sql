-- A member written by ImportMembers carries no request id of its own: the import's request id (in
-- request_results) makes the whole import safe to retry. Before, each imported member got
-- 'import-<64 hex characters>', so every imported row paid a long key in a unique index it never used.
-- RegisterMember's retries still find their member through the same (now partial) unique index.
alter table members alter column request_id drop not null;
alter table members drop constraint members_created_by_request_id_key;
create unique index members_created_by_request_id on members (created_by, request_id) where request_id is not null;
