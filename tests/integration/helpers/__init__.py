"""Helpers of the integration tests: services run in the test's own process on a real Postgres, and the stand-ins a
workflow runs against on the time-skipping server (which the histories' record scripts use too). Fixtures stay in
tests/integration/conftest.py."""
