-- A claimant may extend the deadline of their claim once before it lapses.
alter table wishes add column claim_extended boolean not null default false;
