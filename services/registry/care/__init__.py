"""Care pairs (结对帮扶): carers paired with a resident or household they visit on a cadence."""
