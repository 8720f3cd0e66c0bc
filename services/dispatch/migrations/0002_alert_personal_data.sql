-- An alert's address (an elderly resident's home) and the device id of their monitor are personal data: sealed
-- with the deployment's data key (AES-GCM, the key id inside the blob), shown masked, revealed only audited.
-- Rows from before this migration keep their clear values until the service seals them at its next start
-- (services/dispatch/store.py, seal_clear_personal_data); the clear columns are empty from then on.
alter table alerts
    add column address_sealed bytea,
    add column address_masked text not null default '',
    add column device_id_sealed bytea,
    add column device_id_masked text not null default '',
    -- The key both are sealed under, so a rotation finds what is left to reseal.
    add column data_key_id text;
create index alerts_to_seal on alerts (id) where address <> '' or device_id <> '';
create index alerts_by_data_key on alerts (data_key_id, id) where data_key_id is not null;

-- The raised event's note named the device; it no longer does.
update alert_events set note = split_part(note, ' from device ', 1)
where kind = 'raised' and note like '% from device %';
