-- Stats match history rows by "the path runs through unit X" (an lquery); measured on a million rows the GiST
-- index saved little over a scan for a street or a district, and cost a third of the time of writing the
-- history rows of a bulk import.
drop index member_residences_path;
