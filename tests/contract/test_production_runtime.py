"""The service as production runs it: JSON log lines for logstash, metrics correct across workers."""

import json
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from shared_kernel.infrastructure.settings import Settings
from tests.deploy import logstash
from tests.factories import product_body
from tests.live_server import live_server

pytestmark = pytest.mark.slow

# The keys of the app's JSON lines that infra/logstash's pipeline reads, taken from the pipeline itself.
PIPELINE_FIELDS = logstash.app_fields_read(logstash.PIPELINE.read_text())
# Of those, the ones a line carries only sometimes: request_id inside a request, exception with a traceback.
OCCASIONAL_FIELDS = {"request_id", "exception"}
# What the pipeline must go on reading, whatever else it learns.
ESSENTIAL_FIELDS = {"timestamp", "level", "event", "logger", "request_id"}
# The levels structlog writes (lowercase) that the pipeline passes on as they are.
LEVELS = {"debug", "info", "warning", "error", "critical"}


def test_production_logs_are_one_json_object_per_line_with_the_request_id(settings: Settings, tmp_path: Path) -> None:
    log_file = tmp_path / "app.log"
    request_id = f"log-test-{uuid.uuid4().hex}"
    env = {"LOG_FORMAT": "json", "LOG_LEVEL": "INFO", "ACCESS_LOG": "true"}
    with live_server(str(settings.database_url), env=env, log_path=log_file) as url:
        response = httpx.post(f"{url}/api/catalog/products", json=product_body(), headers={"X-Request-ID": request_id})
        assert response.status_code == 201
    lines = [line for line in log_file.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # fails on any non-JSON line
    assert PIPELINE_FIELDS >= ESSENTIAL_FIELDS, (
        f"the logstash pipeline no longer reads {ESSENTIAL_FIELDS - PIPELINE_FIELDS}"
    )
    every_line = PIPELINE_FIELDS - OCCASIONAL_FIELDS
    assert all(isinstance(r, dict) and r.keys() >= every_line for r in records), records
    for record in records:
        # The pipeline's date filter reads ISO 8601; the app writes UTC with a trailing Z.
        assert record["timestamp"].endswith("Z"), record
        assert datetime.fromisoformat(record["timestamp"]).utcoffset() is not None, record
        assert record["level"] in LEVELS, record
        assert all(isinstance(record[key], str) for key in PIPELINE_FIELDS & record.keys()), record
    # Every request's lines carry its id (the readiness probes' too, with ids the app made up).
    assert all("request_id" in r for r in records if r["logger"] == "uvicorn.access"), records
    access = [r for r in records if r["logger"] == "uvicorn.access" and r.get("request_id") == request_id]
    assert len(access) == 1
    assert "POST /api/catalog/products" in access[0]["event"]
    assert access[0]["level"] == "info"


def _served_count(metrics: str, route: str) -> float:
    prefix = f'http_requests_total{{method="GET",route="{route}",status="200"}} '
    return sum(float(line.removeprefix(prefix)) for line in metrics.splitlines() if line.startswith(prefix))


def test_metrics_add_up_across_two_workers(settings: Settings) -> None:
    requests = 200
    with tempfile.TemporaryDirectory() as multiproc_dir:
        env = {"PROMETHEUS_MULTIPROC_DIR": multiproc_dir}
        with live_server(str(settings.database_url), workers=2, env=env) as url:
            before = _served_count(httpx.get(f"{url}/metrics").text, "/health/live")

            def probe(_: int) -> int:
                # A fresh connection per request, several at once, so both workers accept some.
                return httpx.get(f"{url}/health/live").status_code

            with ThreadPoolExecutor(max_workers=8) as pool:
                assert set(pool.map(probe, range(requests))) == {200}
            after = _served_count(httpx.get(f"{url}/metrics").text, "/health/live")
            writers = {path.name for path in Path(multiproc_dir).glob("counter_*.db")}
    assert after - before == requests
    assert len(writers) == 2, "both workers should have served and written their own metric files"
