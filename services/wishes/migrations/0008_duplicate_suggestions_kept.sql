-- The possible duplicates a submission was answered with, most similar first, and their similarities: a retry of
-- the submission returns them as first found instead of scoring the community's open wishes again. (Arrays, not
-- jsonb: claim_wish returns the whole row, which asyncpg decodes only when every column has a binary codec.)
alter table wishes
    add column possible_duplicates bigint[] not null default '{}',
    add column possible_duplicate_similarities double precision[] not null default '{}';
