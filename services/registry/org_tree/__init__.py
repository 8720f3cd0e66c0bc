"""The org tree (组织): units from province to building, their moves, renames, closes and history."""
