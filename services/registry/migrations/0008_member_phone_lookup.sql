-- LookupMember by phone goes through the phone's keyed hash.
create index members_phone_hash on members (phone_hash);
