"""Clients that stall or leave cannot hold the service: bodies are read before a database slot is taken.

Bounds (shared_kernel/README.md): a request line and headers must arrive within HTTP_HEADER_TIMEOUT_SECONDS
(5 s) of the connection or the request's first byte, and be at most HTTP_MAX_HEADER_BYTES (64 KiB), else 408
or 431 (the server: serve.py); a request body must arrive within
HTTP_BODY_TIMEOUT_SECONDS (5 s), else 408 (the app). Meanwhile other requests are answered as usual.
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
HEADER_TIMEOUT_SECONDS = 5.0
MAX_HEADER_BYTES = 65_536
SLACK_SECONDS = 3.0


def _stalled_request(url: str, path: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    sock.sendall(head.encode() + b'{"items": [')  # ... and the rest never comes
    return sock


def _status_line(sock: socket.socket) -> str:
    return sock.recv(4096).split(b"\r\n", 1)[0].decode()


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65_536):
        received += chunk
    return received


def _serves_meanwhile(url: str) -> None:
    with httpx.Client(base_url=url, timeout=30) as http:
        for _ in range(3):
            started = time.monotonic()
            assert http.get("/api/catalog/products").status_code == 200
            assert time.monotonic() - started < 2.0


def test_request_heads_that_never_complete_are_answered_408(rig: FaultRig) -> None:
    silent = [_connect(rig.url) for _ in range(STALLED_CLIENTS)]  # connect, send nothing
    partial = [_connect(rig.url) for _ in range(STALLED_CLIENTS)]
    for sock in partial:
        sock.sendall(b"GET /api/catalog/products HTTP/1.1\r\nHost: shop\r\nAccept: appl")  # ... and no more
    opened = time.monotonic()
    try:
        _serves_meanwhile(rig.url)
        answers = [_answer(sock) for sock in silent + partial]
        waited = time.monotonic() - opened
    finally:
        for sock in silent + partial:
            sock.close()
    assert all(a.startswith(b"HTTP/1.1 408 Request Timeout\r\n") for a in answers), answers
    assert all(b"application/problem+json" in a and b"connection: close" in a for a in answers)
    assert HEADER_TIMEOUT_SECONDS - 1 < waited < HEADER_TIMEOUT_SECONDS + SLACK_SECONDS


def test_request_heads_over_the_limit_are_answered_431(rig: FaultRig) -> None:
    big = b"x" * (MAX_HEADER_BYTES + 1)
    whole = _connect(rig.url)  # the whole head at once
    whole.sendall(b"GET /api/catalog/products HTTP/1.1\r\nHost: shop\r\nX-Big: " + big + b"\r\n\r\n")
    endless = _connect(rig.url)  # one header line that never ends: refused before it is complete
    endless.sendall(b"GET /api/catalog/products HTTP/1.1\r\nHost: shop\r\nX-Endless: ")
    started = time.monotonic()
    for _ in range(MAX_HEADER_BYTES // 8192):  # over the limit with the last chunk, so all of it is read
        endless.sendall(b"y" * 8192)
    try:
        answers = [_answer(whole), _answer(endless)]
    finally:
        whole.close()
        endless.close()
    assert all(a.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n") for a in answers), answers
    assert time.monotonic() - started < HEADER_TIMEOUT_SECONDS  # the size, not the timeout, refused them
    with httpx.Client(base_url=rig.url, timeout=30) as http:  # a large head within the limit is served
        assert http.get("/api/catalog/products", headers={"X-Large": "z" * 60_000}).status_code == 200


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
