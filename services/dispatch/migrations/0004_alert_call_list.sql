-- Whom an alert calls, worked out when it is raised (on duty then and not away, nearest first): a list of
-- ["member:12" | "volunteer:34", "building" | "grid" | "community"], ids only. It goes into EmergencyDispatch's
-- input, so the way to the first notice needs no call back to the service. Null for alerts raised before.
alter table alerts add column call_list jsonb;
