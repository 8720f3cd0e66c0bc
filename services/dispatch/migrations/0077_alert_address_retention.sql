-- A closed alert's address and device id are erased LINLI_RETAIN_ALERT_ADDRESS_DAYS after it closed: the sealed and
-- clear values go, the masked ones read "（已删除）"; the alert, its events and its figures stay.
alter table alerts add column personal_data_erased_at timestamptz;
create index alerts_address_to_erase on alerts (closed_at, id)
    where personal_data_erased_at is null and closed_at is not null;
