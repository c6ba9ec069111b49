"""HTTP metrics (Prometheus): request counts and latency by route template.

Names are shared with deploy/prometheus rules and the Grafana dashboard: keep them. The timing is
``api.kit.timing.TimingMiddleware``'s; ``observe_request`` is its listener.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import Scope

from api.kit.timing import route_template

HTTP_REQUESTS = Counter("lancer_http_requests_total", "HTTP requests", ["route", "method", "status"])
HTTP_DURATION = Histogram(
    "lancer_http_request_duration_seconds", "HTTP request latency", ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# ``labels()`` takes a lock and builds a key on every call; the label sets are bounded (route templates
# x methods x statuses), so each child is looked up once and kept.
_counters: dict[tuple[str, str, int], Any] = {}
_histograms: dict[str, Any] = {}


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    route = route_template(scope)
    method = scope.get("method", "")
    counter = _counters.get((route, method, status))
    if counter is None:
        counter = _counters[(route, method, status)] = HTTP_REQUESTS.labels(route=route, method=method,
                                                                            status=str(status))
    counter.inc()
    histogram = _histograms.get(route)
    if histogram is None:
        histogram = _histograms[route] = HTTP_DURATION.labels(route=route)
    histogram.observe(seconds)
