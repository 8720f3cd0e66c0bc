-- A claim (认领) as one server-side call: the retry check, the claimant's cap under a lock per member, the
-- conditional move and its history/outbox row, in one round trip instead of seven. Each statement of a
-- VOLATILE function takes a fresh snapshot, so the count after the lock sees every claim committed before it,
-- as the same statements sent one by one did.
create function claim_wish(p_wish_id bigint, p_request_id text, p_actor text, p_note text, p_member_id bigint,
                           p_cap integer)
returns table (outcome text, held bigint, entered_at timestamptz, wish wishes)
language plpgsql volatile as $$
declare
    this_wish wishes;
    open_claims bigint := 0;
begin
    if exists (select 1 from wish_events e where e.wish_id = p_wish_id and e.request_id = p_request_id) then
        select * into this_wish from wishes w where w.id = p_wish_id;
        return query select 'seen'::text, 0::bigint, null::timestamptz, this_wish;
        return;
    end if;
    -- One member's claims are counted and taken one at a time, so concurrent claims cannot pass the cap.
    perform pg_advisory_xact_lock(hashtextextended('wish-claims:' || p_member_id::text, 0));
    select count(*) into open_claims from wishes w
        where w.claimant_member_id = p_member_id and w.state = 'claimed' and w.id <> p_wish_id;
    if open_claims >= p_cap then
        return query select 'cap'::text, open_claims, null::timestamptz, null::wishes;
        return;
    end if;
    select * into this_wish from wishes w where w.id = p_wish_id for update;
    if not found then
        return query select 'not_found'::text, 0::bigint, null::timestamptz, null::wishes;
        return;
    end if;
    if this_wish.state <> 'published' then
        -- A concurrent retry of this same request may have just committed: that is success, not a race lost.
        if exists (select 1 from wish_events e where e.wish_id = p_wish_id and e.request_id = p_request_id) then
            return query select 'seen'::text, 0::bigint, null::timestamptz, this_wish;
        else
            return query select 'wrong_state'::text, 0::bigint, null::timestamptz, this_wish;
        end if;
        return;
    end if;
    entered_at := this_wish.updated_at;
    update wishes w
        set state = 'claimed', version = w.version + 1, updated_at = now(), claimant_member_id = p_member_id,
            claimed_at = now(), claim_extended = false
        where w.id = p_wish_id
        returning w.* into this_wish;
    insert into wish_events (wish_id, version, kind, state, actor, note, request_id)
        values (p_wish_id, this_wish.version, 'transition', 'claimed', p_actor, p_note, p_request_id);
    return query select 'moved'::text, open_claims, entered_at, this_wish;
end
$$;
