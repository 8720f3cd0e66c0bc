-- Residents' names and contacts are erased once their wish has been closed LINLI_RETAIN_RESIDENT_MONTHS: the sealed
-- values go (the name may now be null), the masked ones read "（已删除）", and the wish, its state and its history
-- stay, so counts and reports are unchanged.
alter table wishes alter column resident_name_sealed drop not null;
alter table wishes add column personal_data_erased_at timestamptz;
-- The retention batch's scan: closed wishes whose resident is still on record, oldest closing first.
create index wishes_resident_to_erase on wishes (closed_at, id)
    where personal_data_erased_at is null and closed_at is not null;
