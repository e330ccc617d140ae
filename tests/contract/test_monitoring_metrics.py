"""The monitoring and the app agree: every metric a Prometheus rule or a Grafana dashboard selects is in the real
service's /metrics (two workers, multiprocess mode, as in production), after requests that move each of them;
every metric the app exports is on a dashboard; the runtime gauges (readiness, pool, process) are per worker.
"""

import tempfile
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from shared_kernel.infrastructure.settings import Settings
from tests.live_server import free_port, live_server
from tests.monitoring_files import (
    APP_JOB,
    SYNTHETIC_SERIES,
    dashboard_queries,
    dashboards,
    every_query,
    metric_names,
    recording_rule_names,
    rules,
    selectors,
    self_metric_job,
)
from tests.order_traffic import place_cancel_and_refuse_orders

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exposition(settings: Settings) -> Iterator[str]:
    """/metrics of two workers after orders placed, cut short, cancelled and refused, and a readiness probe."""
    with tempfile.TemporaryDirectory() as multiproc_dir:
        env = {"PROMETHEUS_MULTIPROC_DIR": multiproc_dir}
        with live_server(str(settings.database_url), workers=2, env=env) as url:
            place_cancel_and_refuse_orders(url)
            assert httpx.get(f"{url}/health/ready").status_code == 200
            # Both workers sampled and ready. Readiness has its own connection (never a request pool's), and a
            # sample that missed its 2 s on a crowded machine is followed by another: wait for the condition.
            yield _when(url, lambda samples: [s.value for s in samples if s.name == "app_ready"] == [1.0, 1.0], 30)


def _samples(exposition: str) -> list[Sample]:
    return [sample for family in text_string_to_metric_families(exposition) for sample in family.samples]


def _when(url: str, condition: Callable[[list[Sample]], bool], timeout: float = 15) -> str:
    """/metrics once `condition(samples)` holds (the runtime gauges are sampled every few seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        text = httpx.get(f"{url}/metrics").text
        if condition(_samples(text)):
            return text
        if time.monotonic() > deadline:
            pytest.fail(f"/metrics did not get there in {timeout}s:\n{text}")
        time.sleep(0.2)


def test_every_metric_a_rule_or_a_dashboard_selects_is_exported(exposition: str) -> None:
    exported = {sample.name for sample in _samples(exposition)}
    recorded = recording_rule_names()
    problems = []
    for where, expr in every_query():
        for selector in selectors(expr):
            metric = selector.metric
            if metric in recorded or metric in SYNTHETIC_SERIES:
                continue
            if job := self_metric_job(metric):
                # Prometheus' and Alertmanager's own metrics: tests/observability finds them in the real ones.
                if selector.job != job:
                    problems.append(f"{where}: {metric} must select job={job!r}")
                continue
            if metric not in exported:
                problems.append(f"{where}: {metric} is not in the app's /metrics")
            if not selector.job_matches(APP_JOB):
                problems.append(f"{where}: {metric} selects another job than {APP_JOB}")
    assert not problems, "\n".join(problems)


def _closure(names: set[str]) -> set[str]:
    """Names and, for recording rules among them, the metrics their expressions read (recursively)."""
    expressions = {rule["record"]: str(rule["expr"]) for rule in rules() if "record" in rule}
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(metric_names(expressions[name]) if name in expressions else ())
    return seen


def test_every_metric_the_app_exports_is_on_a_dashboard(exposition: str) -> None:
    on_dashboards = _closure(
        {name for board in dashboards().values() for _, expr in dashboard_queries(board) for name in metric_names(expr)}
    )
    families = {family.name: {s.name for s in family.samples} for family in text_string_to_metric_families(exposition)}
    missing = sorted(name for name, samples in families.items() if not samples & on_dashboards)
    assert not missing, f"exported but on no dashboard: {missing}"


def test_runtime_gauges_are_per_worker(exposition: str, settings: Settings) -> None:
    samples = _samples(exposition)

    def per_worker(name: str) -> dict[str, float]:
        return {s.labels["pid"]: s.value for s in samples if s.name == name}

    assert list(per_worker("app_ready").values()) == [1.0, 1.0]
    pool_limit = 2 + 3  # live_server's DB_POOL_SIZE + DB_MAX_OVERFLOW
    assert list(per_worker("db_pool_connections_max").values()) == [pool_limit, pool_limit]
    assert per_worker("db_pool_connections_in_use").keys() == per_worker("app_ready").keys()
    assert all(rss > 20e6 for rss in per_worker("worker_resident_memory_bytes").values())
    assert all(fds > 3 for fds in per_worker("worker_open_fds").values())
    cpu = [s.value for s in samples if s.name == "worker_cpu_seconds_total"]
    assert len(cpu) == 1  # one series, summed over the workers
    assert cpu[0] > 0


def test_the_readiness_gauge_is_0_while_the_database_is_unreachable() -> None:
    unreachable = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/order_service"
    with tempfile.TemporaryDirectory() as multiproc_dir:
        env = {"PROMETHEUS_MULTIPROC_DIR": multiproc_dir, "DB_POOL_TIMEOUT_SECONDS": "1"}
        with live_server(unreachable, env=env) as url:
            assert httpx.get(f"{url}/health/ready").status_code == 503
            _when(url, lambda samples: [s.value for s in samples if s.name == "app_ready"] == [0.0])
