"""Duty rosters and absences of the 365 volunteer studio (值班表)."""
