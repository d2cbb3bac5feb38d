"""Prometheus metrics: what every process (API, worker) measures, and the port they are read on.

One module so that every context (and the coming partner webhooks) counts into the same names:
``count_outbound("webhook", "sent")`` is all a new kind of outgoing message needs. Route labels
are route *templates* (``/v1/loans/{loan_id:uuid}``), never raw paths: a path holds identifiers
(unbounded label values) and could hold personal data.

Each process serves its own metrics on ``METRICS_PORT`` (a separate port, not the API's: the
NetworkPolicy of deploy/ lets only the monitoring namespace reach it). One API process per pod
(``python -m service serve`` runs one uvicorn worker): scale with replicas, each scraped apart.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from functools import wraps
from typing import Any

import structlog
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from service.kernel.tracing import job_span

log = structlog.get_logger()

# Buckets from 2.5 ms (a quote) to 10 s (a large export).
_HTTP_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Jobs: from a notice delivery run (a second) to a close of business (minutes).
_JOB_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered, per route template and status", ["method", "route", "status"]
)
HTTP_ERRORS = Counter(
    "http_request_errors_total", "HTTP requests answered with a 5xx, per route template", ["method", "route"]
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds", "Time to answer, per route template", ["method", "route"], buckets=_HTTP_BUCKETS
)
HTTP_IN_FLIGHT = Gauge("http_requests_in_flight", "Requests being answered")

JOB_DURATION = Histogram("job_duration_seconds", "arq job run time", ["job"], buckets=_JOB_BUCKETS)
JOB_FAILURES = Counter("job_failures_total", "arq job runs that raised", ["job"])
QUEUE_DEPTH = Gauge("arq_queue_depth", "Jobs waiting in the arq queue", ["queue"])

CLOSE_OF_BUSINESS_CHUNKS_DONE = Gauge(
    "close_of_business_chunks_done", "Chunks of the current (or last) close of business committed"
)
CLOSE_OF_BUSINESS_CHUNKS_TOTAL = Gauge(
    "close_of_business_chunks_total", "Chunks the current (or last) close of business is split into"
)
CLOSE_OF_BUSINESS_LOANS_AGED = Counter("close_of_business_loans_aged_total", "Loans aged by this process's chunks")
CLOSE_OF_BUSINESS_DURATION = Histogram(
    "close_of_business_duration_seconds", "Time to close one business day", buckets=_JOB_BUCKETS
)

OUTBOUND_MESSAGES = Counter(
    "outbound_messages_total",
    "Messages to the outside world (notices, webhooks) by outcome: sent, retried, failed, skipped",
    ["kind", "outcome"],
)

UNMATCHED_ROUTE = "unmatched"  # 404s and 405s: one label, whatever path was asked


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_DURATION.labels(method, route).observe(seconds)
    if status >= 500:
        HTTP_ERRORS.labels(method, route).inc()


def count_outbound(kind: str, outcome: str, amount: int = 1) -> None:
    """Count ``amount`` messages of ``kind`` ("notice", "webhook") with ``outcome`` ("sent", "failed", ...)."""
    if amount:
        OUTBOUND_MESSAGES.labels(kind, outcome).inc(amount)


Task = Callable[..., Awaitable[Any]]


def measured(task: Task) -> Task:
    """``task`` with its run time and failures measured under its own name (arq keeps the name),
    and traced when the worker traces."""
    name = task.__name__

    @wraps(task)
    async def run(ctx: dict[str, Any], *args: Any) -> Any:
        started = time.perf_counter()
        try:
            with job_span(ctx, name):
                return await task(ctx, *args)
        except BaseException:  # a cancelled job (SIGTERM, timeout) failed too
            JOB_FAILURES.labels(name).inc()
            raise
        finally:
            JOB_DURATION.labels(name).observe(time.perf_counter() - started)

    return run


class PoolCollector(Collector):
    """The SQLAlchemy pools' connections in use and idle, summed over the process's engines (one in
    production; tests build several apps), read when Prometheus scrapes."""

    def __init__(self) -> None:
        self.pools: list[Any] = []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("db_pool_connections", "Database pool connections by state", labels=["state"])
        family.add_metric(["in_use"], sum(pool.checkedout() for pool in self.pools))
        family.add_metric(["idle"], sum(pool.checkedin() for pool in self.pools))
        family.add_metric(["overflow"], sum(max(pool.overflow(), 0) for pool in self.pools))
        family.add_metric(["size"], sum(pool.size() for pool in self.pools))
        yield family


POOLS = PoolCollector()
REGISTRY.register(POOLS)


def watch_pool(engine: Any) -> Callable[[], None]:
    """Report ``engine``'s pool (an AsyncEngine's; no SQLAlchemy import: routes use this module);
    returns the function that stops reporting it (at shutdown)."""
    POOLS.pools.append(engine.pool)
    return lambda: POOLS.pools.remove(engine.pool)


def serve_metrics(port: int) -> Callable[[], None]:
    """Serve ``/metrics`` on ``port`` (0: nothing) in a thread; returns the function that stops it."""
    if not port:
        return lambda: None
    server, thread = start_http_server(port, addr="0.0.0.0")  # noqa: S104 - pods are reached by address
    log.info("metrics_served", port=port)

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)

    return stop
