-- Stored answers of idempotent writes are forgotten after LINLI_REQUEST_RETENTION, oldest first, in batches.
create index request_results_at on request_results (at);
