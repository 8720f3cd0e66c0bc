"""Temporal workflows and activities: the long-running processes of linli, and the worker that runs them."""
