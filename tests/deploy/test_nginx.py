"""nginx, really running infra/nginx/nginx.conf in a private network namespace, in front of a stand-in app
(tests/deploy/nginx_sandbox.py). This machine's nginx is 1.22: it runs the configuration with the one change
tests/deploy/nginx_compat.py makes (the upstream server by address, as 1.22 cannot re-resolve it). That the
replicas are found again through Docker's DNS (`resolve`, nginx 1.27.3+) only a real deployment can show.
"""

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.database import ROOT
from tests.deploy import nginx_compat
from tests.deploy.tools import run, system_tool

NGINX_ID = re.compile(r"[0-9a-f]{32}")
NGINX_CONF = ROOT / "infra" / "nginx" / "nginx.conf"
BURST = 10  # nginx.conf: limit_req ... burst=10
SYSLOG_LINE = re.compile(
    r'<\d+>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ nginx: (?P<client>\S+) - - \[[^]]+\] "(?P<method>[A-Z]+) (?P<path>\S+) '
    r'HTTP/1\.1" (?P<status>\d{3}) \d+ "[^"]*" "[^"]*" "[^"]*"'
)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    system_tool("nginx")
    unshare = system_tool("unshare")
    if os.geteuid() != 0:
        pytest.fail("this test makes a network namespace (unshare --net): run it as root, as CI does")
    workdir = tmp_path_factory.mktemp("nginx")
    conf = workdir / "nginx.conf"
    conf.write_text(nginx_compat.compatible(NGINX_CONF.read_text()))
    result = run([unshare, "--net", "--", sys.executable, "-m", "tests.deploy.nginx_sandbox", str(conf), str(workdir)])
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def seen_by_app(sandbox: dict[str, Any], path: str) -> dict[str, Any]:
    return next(r for r in sandbox["app"] if r["path"] == path)


def test_the_compatible_copy_differs_in_the_upstream_server_only() -> None:
    original, copy = NGINX_CONF.read_text().splitlines(), nginx_compat.compatible(NGINX_CONF.read_text()).splitlines()
    changed = [(a.strip(), b.strip()) for a, b in zip(original, copy, strict=True) if a != b]
    assert changed == [("server app:8000 resolve;", "server 127.0.0.1:8000;")]
    upstream = re.search(r"upstream app \{(.*?)\}", NGINX_CONF.read_text(), re.DOTALL)
    assert upstream
    assert re.search(r"^\s*zone app \d+k;", upstream[1], re.MULTILINE)  # `resolve` needs a shared zone
    assert re.search(r"^\s*keepalive \d+;", upstream[1], re.MULTILINE)
    assert "resolver 127.0.0.11 valid=10s" in NGINX_CONF.read_text()  # Docker's DNS


def test_a_request_without_an_id_gets_nginx_s_which_the_app_sees(sandbox: dict[str, Any]) -> None:
    client = sandbox["client"]["new_id"]
    assert client["status"] == 200
    assert len(client["request_ids"]) == 1
    assert NGINX_ID.fullmatch(client["request_ids"][0])
    assert seen_by_app(sandbox, "/api/catalog/products?limit=1")["headers"]["x-request-id"] == client["request_ids"][0]


def test_a_sane_client_id_is_kept_and_an_insane_one_replaced(sandbox: dict[str, Any]) -> None:
    assert sandbox["client"]["client_id"]["request_ids"] == ["client-id-42"]
    seen = [r["headers"]["x-request-id"] for r in sandbox["app"]]
    assert "client-id-42" in seen
    insane = sandbox["client"]["insane_id"]["request_ids"]
    assert len(insane) == 1
    assert NGINX_ID.fullmatch(insane[0])
    assert insane[0] in seen


def test_a_client_cannot_forge_its_address_or_scheme(sandbox: dict[str, Any]) -> None:
    for request in sandbox["app"]:
        if "via=lb" not in request["path"]:
            assert request["headers"]["x-forwarded-for"] == "127.0.0.1"
            assert request["headers"]["x-real-ip"] == "127.0.0.1"
            assert request["headers"]["x-forwarded-proto"] == "http"


def test_behind_the_load_balancer_the_app_sees_the_real_client_and_scheme(sandbox: dict[str, Any]) -> None:
    headers = seen_by_app(sandbox, "/api/catalog/products?via=lb")["headers"]
    assert headers["x-forwarded-for"] == "198.51.100.7"
    assert headers["x-real-ip"] == "198.51.100.7"
    assert headers["x-forwarded-proto"] == "https"
    logged = [json.loads(line) for line in sandbox["access_log"] if "via=lb" not in line]
    through = [json.loads(line) for line in sandbox["access_log"] if '"remote_addr":"198.51.100.7"' in line]
    assert [(r["remote_addr"], r["scheme"]) for r in through] == [("198.51.100.7", "https")]
    assert {r["remote_addr"] for r in logged} == {"127.0.0.1", "198.51.100.7"}


def test_requests_reuse_a_kept_alive_connection_to_the_app(sandbox: dict[str, Any]) -> None:
    assert [r["status"] for r in sandbox["client"]["kept_alive"]] == [200] * 10
    ports = {r["client_port"] for r in sandbox["app"] if "kept=" in r["path"]}
    assert len([r for r in sandbox["app"] if "kept=" in r["path"]]) == 10
    assert len(ports) == 1, f"nginx opened {len(ports)} connections to the app for 10 requests"


def test_json_is_compressed_when_the_client_accepts_it(sandbox: dict[str, Any]) -> None:
    assert sandbox["client"]["big_json"]["content_encoding"] == "gzip"
    assert sandbox["client"]["big_json_plain"]["content_encoding"] is None
    assert sandbox["client"]["new_id"]["content_encoding"] is None  # under gzip_min_length


def test_order_placement_is_rate_limited_with_a_problem_document(sandbox: dict[str, Any]) -> None:
    placements = sandbox["client"]["order_placement"]
    limited = [r for r in placements if r["status"] == 429]
    assert limited, "30 placements at once from one address should exceed the burst of 10"
    assert {r["status"] for r in placements} == {201, 429}
    for response in limited:
        assert response["content_type"] == "application/problem+json"
        problem = json.loads(response["body"])
        assert problem["status"] == 429
        assert problem["title"] == "Too Many Requests"
        assert response["retry_after"] == "1"
        assert len(response["request_ids"]) == 1
    reached = [r for r in sandbox["app"] if r["method"] == "POST"]
    assert len(reached) == len(placements) - len(limited)
    assert len(reached) >= BURST


def test_listing_orders_is_not_rate_limited(sandbox: dict[str, Any]) -> None:
    assert {r["status"] for r in sandbox["client"]["order_listing"]} == {200}


@pytest.mark.parametrize(
    "case", ["metrics", "metrics_slash", "metrics_double_slash", "metrics_encoded", "metrics_query"]
)
def test_metrics_is_not_served_through_nginx(sandbox: dict[str, Any], case: str) -> None:
    assert sandbox["client"][case]["status"] == 404
    assert not any("metrics" in r["path"].lower() or "%6d" in r["path"].lower() for r in sandbox["app"])


def test_the_healthcheck_location_answers_locally(sandbox: dict[str, Any]) -> None:
    assert sandbox["client"]["nginx_health"]["status"] == 200


def test_the_access_log_is_one_json_object_per_line_with_the_request_id(sandbox: dict[str, Any]) -> None:
    records = [json.loads(line) for line in sandbox["access_log"]]
    ids = {record["request_id"] for record in records}
    assert {"client-id-42", sandbox["client"]["new_id"]["request_ids"][0]} <= ids
    for record in records:
        assert record.keys() >= {"timestamp", "level", "event", "logger", "request_id", "status"}
        assert record["logger"] == "nginx.access"
    assert not any("nginx-health" in record["event"] for record in records)  # access_log off there


def test_every_request_reaches_the_log_exporter_by_syslog(sandbox: dict[str, Any]) -> None:
    lines = [SYSLOG_LINE.match(line) for line in sandbox["syslog"]]
    assert all(lines), [line for line, match in zip(sandbox["syslog"], lines, strict=True) if not match]
    statuses = sorted(int(match["status"]) for match in lines if match)
    assert statuses == sorted(json.loads(line)["status"] for line in sandbox["access_log"])
    assert 429 in statuses


def test_nginx_logged_nothing_but_the_requests_it_limited(sandbox: dict[str, Any]) -> None:
    errors = [line for line in sandbox["nginx_errors"].splitlines() if line.strip()]
    assert all("limiting requests" in line for line in errors), errors


def test_the_compat_script_writes_the_copy(tmp_path: Path) -> None:
    destination = tmp_path / "nginx.conf"
    assert nginx_compat.main(str(NGINX_CONF), str(destination)) == 0
    assert destination.read_text() == nginx_compat.compatible(NGINX_CONF.read_text())
