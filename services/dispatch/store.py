"""The dispatch service's SQL, in the `dispatch` schema: duty rosters and absences (duty_store.py) and
emergency alerts (alerts_store.py), one store over one pool."""

from __future__ import annotations

from services.dispatch.alerts_store import AlertStore
from services.dispatch.duty_store import DutyStore


class DispatchStore(DutyStore, AlertStore):
    """Rosters, absences and alerts."""
