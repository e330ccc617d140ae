"""The two setup jobs of the logs, run for real against a stand-in for Elasticsearch and Kibana on 127.0.0.1
(their shell scripts with this machine's curl): what they create, and that it fits what logstash writes.

That Elasticsearch 8.19 and Kibana accept these bodies only a real deployment shows (no JVM here); the bodies
follow the documented APIs (_ilm/policy, _index_template, api/data_views, api/saved_objects).
"""

import base64
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.database import ROOT
from tests.deploy import logstash
from tests.deploy.tools import clean_env, run

ES_SETUP = ROOT / "infra" / "elasticsearch" / "setup.sh"
KIBANA_SETUP = ROOT / "infra" / "kibana" / "setup.sh"
# logstash's elasticsearch output writes the data stream <type>-<dataset>-<namespace>.
DATA_STREAM = "logs-order_service-default"


@dataclass
class Request:
    method: str
    path: str
    user: str | None
    body: Any


class StandIn(BaseHTTPRequestHandler):
    """Answers every request as Elasticsearch or Kibana would when it succeeds, and notes it."""

    seen: list[Request]

    def handle_any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        auth = self.headers.get("Authorization")
        user = base64.b64decode(auth.split()[1]).decode() if auth else None
        if self.path.startswith("/api/") and self.command in {"POST", "PUT"}:
            assert self.headers.get("kbn-xsrf"), "Kibana refuses writes without kbn-xsrf"
        self.seen.append(Request(self.command, self.path, user, json.loads(raw) if raw else None))
        body = b'{"status": {"overall": {"level": "available"}}}' if self.path == "/api/status" else b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # BaseHTTPRequestHandler's names
        self.handle_any()

    def do_POST(self) -> None:
        self.handle_any()

    def do_PUT(self) -> None:
        self.handle_any()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[tuple[str, list[Request]]]:
    seen: list[Request] = []
    handler = type("Handler", (StandIn,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


PRODUCTION = {
    "ELASTIC_PASSWORD": "elastic-pw",
    "KIBANA_SYSTEM_PASSWORD": "kibana-pw",
    "LOGSTASH_INTERNAL_PASSWORD": "logstash-pw",
    "LOGS_RETENTION": "30d",
    "LOGS_ROLLOVER_AGE": "1d",
}


def es_setup(url: str, **env: str) -> tuple[int, str]:
    result = run(["sh", str(ES_SETUP)], env=clean_env(ELASTICSEARCH_URL=url, **env))
    return result.returncode, result.stdout + result.stderr


def by_path(seen: list[Request]) -> dict[str, Request]:
    return {request.path: request for request in seen}


def test_production_setup_sets_users_then_the_lifecycle_of_the_logs(stand_in: tuple[str, list[Request]]) -> None:
    url, seen = stand_in
    returncode, output = es_setup(url, **PRODUCTION)
    assert returncode == 0, output
    assert all(request.user == "elastic:elastic-pw" for request in seen)
    writes = [(r.method, r.path) for r in seen if r.method != "GET"]
    assert writes == [
        ("POST", "/_security/user/kibana_system/_password"),
        ("PUT", "/_security/role/logstash_writer"),
        ("PUT", "/_security/user/logstash_internal"),
        ("PUT", "/_ilm/policy/order-service-logs"),
        ("PUT", "/_index_template/logs-order_service"),
    ]
    requests = by_path(seen)
    phases = requests["/_ilm/policy/order-service-logs"].body["policy"]["phases"]
    assert phases["hot"]["actions"]["rollover"]["max_age"] == "1d"
    assert phases["delete"] == {"min_age": "30d", "actions": {"delete": {}}}
    role = requests["/_security/role/logstash_writer"].body
    assert [re.fullmatch(p.replace("*", ".*"), DATA_STREAM) for p in role["indices"][0]["names"]]


def test_the_index_template_covers_the_data_stream_logstash_writes_with_the_policy(
    stand_in: tuple[str, list[Request]],
) -> None:
    url, seen = stand_in
    assert es_setup(url, **PRODUCTION)[0] == 0
    output = logstash.PIPELINE.read_text()
    for option, value in {"data_stream_type": "logs", "data_stream_dataset": "order_service"}.items():
        assert f'{option} => "{value}"' in output
    template = by_path(seen)["/_index_template/logs-order_service"].body
    assert "data_stream" in template
    assert any(re.fullmatch(p.replace("*", ".*"), DATA_STREAM) for p in template["index_patterns"])
    assert template["priority"] > 100  # above the built-in logs-*-* template
    assert template["template"]["settings"]["index.lifecycle.name"] == "order-service-logs"
    mapped = template["template"]["mappings"]["properties"]
    for field in ("log.level", "log.logger", "http.request.id", "error.stack_trace", "service.name"):
        node: dict[str, Any] = {"properties": mapped}
        for part in field.split("."):
            node = node["properties"][part]
        assert node["type"], field
        assert f"[{field.replace('.', '][')}]" in output, f"the pipeline does not write {field}"


def test_local_setup_sets_only_the_lifecycle_without_credentials(stand_in: tuple[str, list[Request]]) -> None:
    url, seen = stand_in
    returncode, output = es_setup(url, ELASTICSEARCH_SECURITY="false", LOGS_RETENTION="3d", LOGS_ROLLOVER_AGE="1d")
    assert returncode == 0, output
    assert {r.user for r in seen} == {None}
    assert [r.path for r in seen if r.method != "GET"] == [
        "/_ilm/policy/order-service-logs",
        "/_index_template/logs-order_service",
    ]


@pytest.mark.parametrize("retention", ["30 days", "", "d30"])
def test_a_retention_that_is_no_duration_is_refused_before_any_request(
    stand_in: tuple[str, list[Request]], retention: str
) -> None:
    url, seen = stand_in
    returncode, _ = es_setup(url, **{**PRODUCTION, "LOGS_RETENTION": retention})
    assert returncode != 0
    assert seen == []


def test_kibana_gets_the_data_view_and_the_errors_search(stand_in: tuple[str, list[Request]]) -> None:
    url, seen = stand_in
    env = clean_env(KIBANA_URL=url, KIBANA_USER="elastic", ELASTIC_PASSWORD=PRODUCTION["ELASTIC_PASSWORD"])
    result = run(["sh", str(KIBANA_SETUP)], env=env)
    assert result.returncode == 0, result.stderr
    assert {r.user for r in seen} == {"elastic:elastic-pw"}
    requests = by_path(seen)
    view = requests["/api/data_views/data_view"].body["data_view"]
    assert re.fullmatch(view["title"].replace("*", ".*"), DATA_STREAM)
    assert view["timeFieldName"] == "@timestamp"
    search = requests["/api/saved_objects/search/order-service-errors?overwrite=true"].body
    assert search["references"][0]["id"] == view["id"]
    source = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert source["query"]["query"] == "log.level:(error or critical)"
    assert "http.request.id" in search["attributes"]["columns"]
