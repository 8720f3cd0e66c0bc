-- A stored answer names the object its request acted on ("member:12"), so a request id sent again for another
-- object is refused rather than answered with the first object's answer. Actors are now the caller's whole key
-- (role, scope and subject): answers stored under the subject alone are never found again and age out.
alter table request_results add column target text;
