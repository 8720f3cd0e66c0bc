"""The dispatch service's SQL, in the `dispatch` schema: duty rosters and absences (duty/store.py) and
emergency alerts (alerts/store.py), one store over one pool."""

from __future__ import annotations

from services.dispatch.alerts.store import AlertStore
from services.dispatch.duty.store import DutyStore


class DispatchStore(DutyStore, AlertStore):
    """Rosters, absences and alerts."""
