"""Helpers the tests of every tier share. A helper lives in the helpers/ package beside the tests that use it:
here for all of them, tests/integration/helpers/ and tests/e2e/helpers/ for one tier's; fixtures stay in conftest.py.
Test modules import helpers, never each other."""
