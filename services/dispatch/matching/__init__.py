"""Matching people to work: who fits a wish or an alert, nearest first."""
