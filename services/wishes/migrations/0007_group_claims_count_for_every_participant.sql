-- A member's open claims are the wishes they hold plus the open group claims they take part in (a group's
-- claimant is its first participant, so each wish counts once). Released, fulfilled, closed and reassigned
-- wishes leave state 'claimed' or have their participants cleared, so they stop counting.
create index wishes_open_group_claims on wishes using gin (participant_member_ids) where state = 'claimed';

-- Takes the claim lock of every member named, in the order of the lock keys (so two claims sharing members
-- never wait on each other in a cycle), then counts each member's open claims other than p_wish_id. Returns
-- the first member, in the order given, already at p_cap and their count; no row when all have room. Each
-- statement of a VOLATILE function takes a fresh snapshot, so the counts after the locks see every claim
-- committed before them.
create function lock_open_claims(p_member_ids bigint[], p_wish_id bigint, p_cap integer)
returns table (member_id bigint, held bigint)
language plpgsql volatile as $$
declare
    lock_key bigint;
    m bigint;
    open_claims bigint;
begin
    for lock_key in
        select distinct hashtextextended('wish-claims:' || x::text, 0) as k from unnest(p_member_ids) as x order by k
    loop
        perform pg_advisory_xact_lock(lock_key);
    end loop;
    foreach m in array p_member_ids loop
        select count(*) into open_claims from wishes w
            where w.state = 'claimed' and w.id <> p_wish_id
              and (w.claimant_member_id = m or w.participant_member_ids @> array[m]);
        if open_claims >= p_cap then
            return query select m, open_claims;
            return;
        end if;
    end loop;
end
$$;

-- claim_wish as in 0005, with the count of lock_open_claims (a member's group claims count too).
create or replace function claim_wish(p_wish_id bigint, p_request_id text, p_actor text, p_note text,
                                      p_member_id bigint, p_cap integer)
returns table (outcome text, held bigint, entered_at timestamptz, wish wishes)
language plpgsql volatile as $$
declare
    this_wish wishes;
    at_cap record;
begin
    if exists (select 1 from wish_events e where e.wish_id = p_wish_id and e.request_id = p_request_id) then
        select * into this_wish from wishes w where w.id = p_wish_id;
        return query select 'seen'::text, 0::bigint, null::timestamptz, this_wish;
        return;
    end if;
    select * into at_cap from lock_open_claims(array[p_member_id], p_wish_id, p_cap);
    if found then
        return query select 'cap'::text, at_cap.held, null::timestamptz, null::wishes;
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
    return query select 'moved'::text, 0::bigint, entered_at, this_wish;
end
$$;
