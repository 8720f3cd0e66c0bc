-- Calling systems' credentials (the 12345 hotline, the party-member information system, a front end): what each
-- may do, and every token it was given, so a revoked or rotated one is refused by every service.
create table credentials (
    id bigint generated always as identity primary key,
    system text not null,
    description text not null default '',
    scope text not null,
    methods text[] not null,
    calls_per_second double precision not null default 0,
    burst integer not null default 0,
    max_streams integer not null default 0,
    issued_at timestamptz not null default now(),
    issued_by text not null,
    expires_at timestamptz not null,
    generation integer not null default 1,
    revoked_at timestamptz,
    revoked_by text,
    revoke_reason text
);
create index credentials_newest on credentials (id desc);

create table credential_tokens (
    token_id text primary key,
    credential_id bigint not null references credentials (id),
    generation integer not null,
    issued_at timestamptz not null,
    expires_at timestamptz not null,
    -- Set when the credential is revoked, or when a rotation retires this token (then possibly in the future).
    refused_from timestamptz,
    unique (credential_id, generation)
);
create index credential_tokens_refused on credential_tokens (expires_at) where refused_from is not null;
