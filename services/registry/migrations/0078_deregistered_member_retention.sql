-- A member deregistered LINLI_RETAIN_DEREGISTERED_MONTHS ago has their name, phone and ID number erased: the sealed
-- values and their look-up hashes go (so a look-up no longer finds them, and the same person may register anew), the
-- masked values and the name read "（已删除）"; the record, its residences and its service records stay.
alter table members
    alter column phone_sealed drop not null,
    alter column phone_hash drop not null,
    alter column id_number_sealed drop not null,
    alter column id_number_hash drop not null,
    add column personal_data_erased_at timestamptz;
create index members_to_erase on members (deregistered_at, id)
    where personal_data_erased_at is null and status = 'deregistered';
