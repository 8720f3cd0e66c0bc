-- Every subtree query on the org tree now gives its path range, which the B-tree on path serves in tree order;
-- the GiST index was no longer chosen and only cost writes.
drop index org_units_path;
