"""Clients that stall or leave cannot hold the service: bodies are read before a database slot is taken.

Bounds (shared_kernel/README.md): a request body must arrive within HTTP_BODY_TIMEOUT_SECONDS (5 s), else
408; meanwhile other requests are answered as usual. uvicorn bounds neither the time to send the headers nor
their size (the reverse proxy in front does: infra/nginx).
"""

import re
import socket
import time

import httpx
import pytest

from tests.faults.conftest import FaultRig
from tests.faults.shop import ORDERS, assert_stock_consistent, open_shop, order_body, wait_for

# One shared throwaway cluster and server: these tests run one after the other, on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("faults")]

STALLED_CLIENTS = 12  # more than both workers' slots together (2 x 5)
BODY_TIMEOUT_SECONDS = 5.0
SLACK_SECONDS = 3.0


def _stalled_request(url: str, path: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    sock.sendall(head.encode() + b'{"items": [')  # ... and the rest never comes
    return sock


def _status_line(sock: socket.socket) -> str:
    return sock.recv(4096).split(b"\r\n", 1)[0].decode()


def test_stalled_bodies_hold_no_slot_and_are_answered_408(rig: FaultRig) -> None:
    shop = open_shop(rig.url)
    sockets = [_stalled_request(rig.url, ORDERS) for _ in range(STALLED_CLIENTS)]
    stalled_at = time.monotonic()
    try:
        with httpx.Client(base_url=rig.url, timeout=30) as http:
            for _ in range(5):
                started = time.monotonic()
                assert http.post(ORDERS, json=order_body(shop.products[0])).status_code == 201
                assert http.get("/api/catalog/products").status_code == 200
                assert time.monotonic() - started < 2.0
        statuses = [_status_line(sock) for sock in sockets]
        waited = time.monotonic() - stalled_at
    finally:
        for sock in sockets:
            sock.close()
    assert statuses == ["HTTP/1.1 408 Request Timeout"] * STALLED_CLIENTS
    assert waited < BODY_TIMEOUT_SECONDS + SLACK_SECONDS
    assert_stock_consistent(rig.dsn)


def test_a_client_that_leaves_mid_request_is_not_a_server_error(rig: FaultRig) -> None:
    log_lines_before = len(rig.log_lines())
    with httpx.Client(base_url=rig.url, timeout=30) as http:
        before = _metric(metrics := http.get("/metrics").text, DISCONNECTS)
        server_errors_before = _server_errors(metrics)
        for _ in range(3):
            sock = _stalled_request(rig.url, ORDERS)
            # Leave once the service is handling it (the scrape itself is the other request in progress).
            wait_for(lambda: _metric(http.get("/metrics").text, "http_requests_in_progress") >= 2, 10, "started")
            sock.close()
        wait_for(lambda: _metric(http.get("/metrics").text, DISCONNECTS) >= before + 3, 10, "disconnects counted")
        metrics = http.get("/metrics").text
    assert _metric(metrics, DISCONNECTS) == before + 3
    assert _server_errors(metrics) == server_errors_before
    assert not [line for line in rig.log_lines()[log_lines_before:] if "error" in line.lower()]


DISCONNECTS = "http_client_disconnects_total"


def _metric(metrics: str, name: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    return 0.0


def _server_errors(metrics: str) -> float:
    return sum(
        float(line.split()[-1]) for line in metrics.splitlines() if re.match(r'http_requests_total\{.*status="5', line)
    )
