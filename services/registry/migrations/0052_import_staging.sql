-- ImportMembers stages the rows as they arrive, outside any transaction and without the org tree's lock, and merges
-- them in one short transaction once the stream has ended; so a slow client holds no lock, no transaction and no
-- pooled connection while it sends. Unlogged: staged rows are a copy of what the client sends and are dropped after
-- the merge; a database restart loses them, and the import is then refused and sent again.
create unlogged table import_batches (
    import_id uuid primary key,
    started_at timestamptz not null default now()
);
create unlogged table import_rows (
    import_id uuid not null,
    row_number bigint not null,
    name text,
    workplace_org text,
    community_id bigint,
    residence_unit_id bigint,
    residence_path text,
    skills text[],
    tags text[],
    management_level text,
    phone_sealed bytea,
    phone_hash bytea,
    phone_masked text,
    id_number_sealed bytea,
    id_number_hash bytea,
    id_number_masked text,
    primary key (import_id, row_number)
);
