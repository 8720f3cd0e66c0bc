"""Helpers of the end-to-end tests: what they build through the services' APIs and how they wait for and check
the answers, one module for each thing they hold. Fixtures stay in tests/e2e/conftest.py."""
