-- A B-tree instead of GiST on members' residence paths: a subtree is one contiguous range of paths in ltree
-- order, so queries give the range beside `<@`; and a bulk import writes a B-tree entry several times faster
-- than a GiST one when thousands of members share a building's path.
drop index members_residence_path;
create index members_residence_path on members (residence_path);
