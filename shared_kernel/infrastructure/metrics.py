"""Prometheus metrics: HTTP RED metrics by route template and the /metrics exposition.

With several uvicorn workers, PROMETHEUS_MULTIPROC_DIR must point at an empty directory shared by the
workers (the Makefile and the Docker entrypoint prepare it); /metrics then aggregates every worker.

Runtime health (readiness, connection pool, process) comes from gauges each worker sets for itself every few
seconds (RuntimeSampler, driven by shared_kernel/api/runtime_metrics.py): in multiprocess mode /metrics only
reads the workers' metric files, so prometheus_client's process_* metrics and any collector that would run
at scrape time are missing or would describe just the one worker that answers the scrape.
"""

import contextlib
import os
import re
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy.pool import Pool, QueuePool

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_PROGRESS = Gauge(
    "http_requests_in_progress",
    "HTTP requests being answered right now.",
    multiprocess_mode="livesum",
)

DB_UNAVAILABLE = Counter(
    "db_unavailable_responses_total",
    "Requests answered 503 because the database was unreachable, hung, or a lock or pool wait ran past its "
    "bound, by reason (connection_lost, timeout, lock_timeout, statement_timeout, pool_timeout, ...).",
    ["reason"],
)
for reason in (  # exported at 0 from the start, so that dashboards and rules see every series
    "connection_lost",
    "timeout",
    "lock_timeout",
    "statement_timeout",
    "pool_timeout",
    "queue_timeout",
    "starting_or_stopping",
    "too_many_connections",
):
    DB_UNAVAILABLE.labels(reason)
CLIENT_DISCONNECTS = Counter(
    "http_client_disconnects_total",
    "Requests the client abandoned before the answer (counted here, not as server errors).",
)


# One series per live worker (label `pid` in multiprocess mode); queries aggregate by instance.
APP_READY = Gauge(
    "app_ready",
    "1 while the readiness check passes (the database answers SELECT 1 within 2 s), else 0; per worker.",
    multiprocess_mode="liveall",
)
DB_POOL_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Database connections checked out of the worker's pool.",
    multiprocess_mode="liveall",
)
DB_POOL_IDLE = Gauge(
    "db_pool_connections_idle",
    "Open database connections waiting in the worker's pool.",
    multiprocess_mode="liveall",
)
DB_POOL_MAX = Gauge(
    "db_pool_connections_max",
    "Connections the worker's pool may open at most (pool size + max overflow).",
    multiprocess_mode="liveall",
)
APP_REPLICAS_CONFIGURED = Gauge(
    "app_replicas_configured",
    "Replicas the deployment is configured to run (APP_REPLICAS), as this replica was told.",
    multiprocess_mode="max",
)
WORKER_MEMORY = Gauge(
    "worker_resident_memory_bytes",
    "Resident memory of the worker process.",
    multiprocess_mode="liveall",
)
WORKER_OPEN_FDS = Gauge(
    "worker_open_fds",
    "Open file descriptors of the worker process.",
    multiprocess_mode="liveall",
)
WORKER_CPU = Counter("worker_cpu_seconds_total", "CPU time (user and system) spent by the worker processes.")

_PROC_SELF = Path("/proc/self")
_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


class RuntimeSampler:
    """Sets the runtime gauges of this worker: its process and its connection pool."""

    def __init__(self) -> None:
        self._cpu_seconds_counted = 0.0

    def sample_process(self) -> None:
        times = os.times()
        cpu_seconds = times.user + times.system
        WORKER_CPU.inc(max(cpu_seconds - self._cpu_seconds_counted, 0.0))
        self._cpu_seconds_counted = cpu_seconds
        with contextlib.suppress(OSError, IndexError, ValueError):  # no /proc: not Linux
            resident_pages = int((_PROC_SELF / "statm").read_text().split()[1])
            WORKER_MEMORY.set(resident_pages * os.sysconf("SC_PAGE_SIZE"))
            WORKER_OPEN_FDS.set(len(os.listdir(_PROC_SELF / "fd")))

    @staticmethod
    def sample_pool(pool: Pool) -> None:
        if not isinstance(pool, QueuePool):  # NullPool, StaticPool...: nothing to count
            return
        DB_POOL_IN_USE.set(pool.checkedout())
        DB_POOL_IDLE.set(pool.checkedin())
        # SQLAlchemy has no public accessor for max_overflow (-1: unlimited, counted as 0 here).
        DB_POOL_MAX.set(pool.size() + max(pool._max_overflow, 0))

    @staticmethod
    def record_readiness(ready: bool) -> None:
        APP_READY.set(1 if ready else 0)


def forget_dead_workers() -> None:
    """Drop the live-gauge files of workers that are gone (killed, crashed, replaced by uvicorn), so that their
    last values are not reported as if they were alive. A worker shutting down cleanly forgets itself."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    pids = {int(m[1]) for f in os.listdir(directory) if (m := _LIVE_GAUGE_FILE.fullmatch(f))}
    for pid in pids - {os.getpid()}:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]
        except PermissionError:  # alive, someone else's
            continue


def forget_this_worker() -> None:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def metrics_registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def render_metrics() -> tuple[bytes, str]:
    return generate_latest(metrics_registry()), CONTENT_TYPE_LATEST
