-- Closing states that say what happened, and group claims.
alter table wishes drop constraint wishes_state_check;
alter table wishes add constraint wishes_state_check check (
    state in ('submitted', 'approved', 'rejected', 'published', 'claimed', 'fulfilled', 'closed', 'withdrawn',
              'not_feasible', 'duplicate', 'referred'));
alter table wishes
    add column duplicate_of bigint references wishes (id),
    add column referred_to text,
    -- A group claim: everyone taking part, the claimant first; the team or the paired workplace organisation.
    add column participant_member_ids bigint[] not null default '{}',
    add column group_team_id bigint,
    add column group_workplace_org text;

