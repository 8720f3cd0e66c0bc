create or replace function claim_wish(p_wish_id bigint, p_request_id text, p_actor text, p_note text,
                                      p_from_states text[], p_to_state text, p_expected_version integer,
                                      p_member_ids bigint[], p_cap integer, p_team_id bigint, p_workplace_org text)
returns table (outcome text, member_id bigint, held bigint, from_state text, entered_at timestamptz, wish wishes)
language plpgsql volatile as $$
-- Every claim (认领) of a wish, in one round trip: a member's own (ClaimWish), a group's (ClaimWishAsGroup), and
-- staff's assignment or reassignment (AssignWish, BulkAssignWishes). In order: the retry check by the caller's retry
-- key (p_request_id); every member's claim lock and their open claims against p_cap (lock_open_claims); the move,
-- only from one of p_from_states to p_to_state (the Transition's, from services/wishes/domain.py) and, when given, at
-- p_expected_version; and its history event, which is also the outbox row.
--
-- p_member_ids names the claimant first, then the rest of a group (with p_team_id or p_workplace_org); a claim by
-- one member holds no group. Outcomes: 'moved'; 'seen' (this retry key moved the wish before); 'cap' (member_id
-- already holds `held` open claims); 'not_found'; 'wrong_state' (another state, or another version).
declare
    this_wish wishes;
    at_cap record;
    left_state text;
    left_at timestamptz;
begin
    if exists (select 1 from wish_events e where e.wish_id = p_wish_id and e.request_id = p_request_id) then
        select * into this_wish from wishes w where w.id = p_wish_id;
        return query select 'seen'::text, null::bigint, 0::bigint, null::text, null::timestamptz, this_wish;
        return;
    end if;
    select * into at_cap from lock_open_claims(p_member_ids, p_wish_id, p_cap);
    if found then
        return query select 'cap'::text, at_cap.member_id, at_cap.held, null::text, null::timestamptz, null::wishes;
        return;
    end if;
    select * into this_wish from wishes w where w.id = p_wish_id for update;
    if not found then
        return query select 'not_found'::text, null::bigint, 0::bigint, null::text, null::timestamptz, null::wishes;
        return;
    end if;
    if this_wish.state <> all(p_from_states)
       or (p_expected_version is not null and this_wish.version <> p_expected_version) then
        -- A concurrent retry of this same request may have just committed: that is success, not a race lost.
        if exists (select 1 from wish_events e where e.wish_id = p_wish_id and e.request_id = p_request_id) then
            return query select 'seen'::text, null::bigint, 0::bigint, null::text, null::timestamptz, this_wish;
        else
            return query select 'wrong_state'::text, null::bigint, 0::bigint, null::text, null::timestamptz, this_wish;
        end if;
        return;
    end if;
    left_state := this_wish.state;
    left_at := this_wish.updated_at;
    update wishes w
        set state = p_to_state, version = w.version + 1, updated_at = now(), claimant_member_id = p_member_ids[1],
            claimed_at = now(), claim_extended = false,
            participant_member_ids = case when cardinality(p_member_ids) > 1 then p_member_ids else '{}' end,
            -- A group claim with team volunteers sets them after this, in the same transaction (store.py).
            participant_team_member_ids = '{}',
            group_team_id = p_team_id, group_workplace_org = p_workplace_org
        where w.id = p_wish_id
        returning w.* into this_wish;
    insert into wish_events (wish_id, version, kind, state, actor, note, request_id)
        values (p_wish_id, this_wish.version, 'transition', this_wish.state, p_actor, p_note, p_request_id);
    return query select 'moved'::text, null::bigint, 0::bigint, left_state, left_at, this_wish;
end
$$;
