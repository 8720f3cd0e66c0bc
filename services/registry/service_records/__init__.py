"""Service records (纪实): what members did, with hours, and the registry's statistics."""
