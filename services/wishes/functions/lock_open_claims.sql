create or replace function lock_open_claims(p_member_ids bigint[], p_wish_id bigint, p_cap integer)
returns table (member_id bigint, held bigint)
language plpgsql volatile as $$
-- Takes the claim lock of every member named, in the order of the lock keys (so two claims sharing members never
-- wait on each other in a cycle), then counts each member's open claims other than p_wish_id: the wishes they hold
-- and the open group claims they take part in (a group's claimant is its first participant, so each wish counts
-- once; the partial indexes wishes_open_claims and wishes_open_group_claims are on state 'claimed'). Returns the
-- first member, in the order given, already at p_cap and their count; no row when all have room. Each statement of
-- a VOLATILE function takes a fresh snapshot, so the counts after the locks see every claim committed before them.
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
