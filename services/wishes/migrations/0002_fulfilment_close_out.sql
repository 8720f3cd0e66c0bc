-- Fulfilment (办理), close-out (办结) and withdrawal; what the wish wall, lists and stats read.
alter table wishes drop constraint wishes_state_check;
alter table wishes add constraint wishes_state_check check (
    state in ('submitted', 'approved', 'rejected', 'published', 'claimed', 'fulfilled', 'closed', 'withdrawn'));
alter table wishes
    add column published_at timestamptz,
    add column fulfilment_report text,
    add column hours double precision,
    add column fulfilled_at timestamptz,
    add column rating smallint check (rating between 1 and 5),
    add column resident_comment text,
    add column close_note text,
    add column closed_at timestamptz;

-- Lists over an org subtree: community_path @> array[unit].
create index wishes_by_path on wishes using gin (community_path);
create index wishes_by_id_desc on wishes (id desc);
-- The open-claims cap counts these.
create index wishes_open_claims on wishes (claimant_member_id) where state = 'claimed';
create index wishes_closed_at on wishes (closed_at) where closed_at is not null;
