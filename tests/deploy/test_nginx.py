"""nginx, really running infra/nginx/nginx.conf (unchanged) in a private network namespace, between a
stand-in for Docker's DNS and a stand-in app (tests/deploy/nginx_sandbox.py): it starts before the app
can be resolved, proxies to it once it can, gives every request an X-Request-ID and keeps /metrics private.
"""

import json
import os
import re
import sys
from typing import Any

import pytest

from tests.database import ROOT
from tests.deploy.tools import run, system_tool

NGINX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    system_tool("nginx")
    unshare = system_tool("unshare")
    if os.geteuid() != 0:
        pytest.fail("this test makes a network namespace (unshare --net): run it as root, as CI does")
    workdir = tmp_path_factory.mktemp("nginx")
    result = run(
        [
            unshare,
            "--net",
            "--",
            sys.executable,
            "-m",
            "tests.deploy.nginx_sandbox",
            str(ROOT / "infra/nginx/nginx.conf"),
            str(workdir),
        ],
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_nginx_starts_before_the_app_can_be_resolved(sandbox: dict[str, Any]) -> None:
    before = sandbox["client"]["before_dns"]
    assert before["status"] == 502
    assert NGINX_ID.fullmatch(before["request_ids"][0])  # nginx's own errors carry an id too
    assert sandbox["client"]["new_id"]["status"] == 200  # the app, resolved per request once DNS answers


def test_a_request_without_an_id_gets_nginx_s_which_the_app_sees(sandbox: dict[str, Any]) -> None:
    client = sandbox["client"]["new_id"]
    app = next(r for r in sandbox["app"] if r["path"] == "/api/catalog/products?limit=1")
    assert len(client["request_ids"]) == 1
    assert NGINX_ID.fullmatch(client["request_ids"][0])
    assert app["headers"]["x-request-id"] == client["request_ids"][0]


def test_a_sane_client_id_is_kept_and_an_insane_one_replaced(sandbox: dict[str, Any]) -> None:
    assert sandbox["client"]["client_id"]["request_ids"] == ["client-id-42"]
    seen = [r["headers"]["x-request-id"] for r in sandbox["app"]]
    assert "client-id-42" in seen
    insane = sandbox["client"]["insane_id"]["request_ids"]
    assert len(insane) == 1
    assert NGINX_ID.fullmatch(insane[0])
    assert insane[0] in seen


def test_the_app_sees_the_real_client_address_not_a_forged_one(sandbox: dict[str, Any]) -> None:
    for request in sandbox["app"]:
        assert request["headers"]["x-forwarded-for"] == "127.0.0.1"
        assert request["headers"]["x-forwarded-proto"] == "http"


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


def test_nginx_logged_no_error_but_the_unresolvable_app(sandbox: dict[str, Any]) -> None:
    errors = [line for line in sandbox["nginx_errors"].splitlines() if line.strip()]
    assert errors, "the request sent before DNS answered should be logged"
    assert all("resolv" in line for line in errors), errors
