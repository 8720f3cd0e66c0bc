"""Who may call each method of the registry service: its part of the authorisation table (services/runtime/access.py)."""

from __future__ import annotations

from services.runtime.access import Rule

RULES: dict[str, Rule] = {}
