"""Monitoring as code: the Grafana dashboards (deploy/monitoring/dashboards/), the Kubernetes `monitoring` component's
generated files (its PrometheusRule and its copies of the dashboards), all written by `./linli gen` and checked by
tests/test_dashboards.py; and a real Prometheus with linli's rules for `./linli up --monitoring` and the tests
(prometheus.py)."""
