-- A calling system may be identified by its client certificate (mTLS) instead of a token.
alter table credentials add column client_certificate boolean not null default false;
