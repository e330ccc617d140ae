"""Run the real nginx configuration against a stand-in app, inside a private network namespace.

`python -m tests.deploy.nginx_sandbox NGINX_CONF WORKDIR` must run in a fresh network namespace
(`unshare --net`, root), where ports 80, 8000 and 5531 are free. NGINX_CONF is the configuration as this
machine's nginx loads it (tests/deploy/nginx_compat.py):
  - a stand-in for the app on 127.0.0.1:8000 answers every request with the headers it received, over
    HTTP/1.1 connections it keeps open (as uvicorn does), and notes the port each request came from;
  - a stand-in for the nginxlog-exporter on 127.0.0.1:5531 (UDP) collects the syslog lines nginx sends it;
  - 10.1.2.3 stands in for the TLS-terminating load balancer (the address range nginx.conf trusts);
  - nginx runs the configuration on port 80.
It sends the requests below and prints one JSON document: what each client saw, what the app saw, and
nginx's log lines. tests/deploy/test_nginx.py asserts on it.
"""

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

APP_ADDRESS = ("127.0.0.1", 8000)
SYSLOG_ADDRESS = ("127.0.0.1", 5531)
LOAD_BALANCER = "10.1.2.3"
ORDER_BURST = 30  # order placements sent at once: more than nginx's burst of 10
SEEN_BY_APP: list[dict[str, Any]] = []
SYSLOG_LINES: list[str] = []


class StandInApp(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection open, as uvicorn does

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        SEEN_BY_APP.append(
            {
                "method": self.command,
                "path": self.path,
                "client_port": self.client_address[1],
                "headers": {k.lower(): v for k, v in self.headers.items()},
            }
        )
        items = [{"id": i, "name": f"product {i}"} for i in range(100)] if self.path.startswith("/big") else []
        body = json.dumps({"status": "ok", "items": items}).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Request-ID", self.headers.get("X-Request-ID", "app-made-up"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # BaseHTTPRequestHandler's names
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def log_message(self, format: str, *args: Any) -> None:  # BaseHTTPRequestHandler's name
        pass


def collect_syslog(sock: socket.socket) -> None:
    while True:
        line, _ = sock.recvfrom(65535)
        SYSLOG_LINES.append(line.decode(errors="replace"))


def send(
    connection: http.client.HTTPConnection, method: str, path: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    connection.request(method, path, body=b"{}" if method == "POST" else None, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    return {
        "path": path,
        "status": response.status,
        "request_ids": response.headers.get_all("X-Request-ID") or [],
        "content_type": response.headers.get("Content-Type"),
        "content_encoding": response.headers.get("Content-Encoding"),
        "retry_after": response.headers.get("Retry-After"),
        "body": body.decode(errors="replace") if response.headers.get("Content-Encoding") is None else None,
    }


def request(method: str, path: str, headers: dict[str, str] | None = None, source: str | None = None) -> dict[str, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", 80, timeout=10, source_address=(source, 0) if source else None)
    try:
        return send(connection, method, path, headers)
    finally:
        connection.close()


def get(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return request("GET", path, headers)


def wait_for_port(port: int) -> None:
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def requests() -> dict[str, Any]:
    results: dict[str, Any] = {
        "new_id": get("/api/catalog/products?limit=1"),
        "client_id": get("/api/catalog/products", {"X-Request-ID": "client-id-42"}),
        "insane_id": get("/health/live", {"X-Request-ID": "x" * 300}),
        "forged_forwarded_for": get("/health/live", {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}),
        "through_load_balancer": request(
            "GET",
            "/api/catalog/products?via=lb",
            {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"},
            source=LOAD_BALANCER,
        ),
        "metrics": get("/metrics"),
        "metrics_slash": get("/metrics/"),
        "metrics_double_slash": get("//metrics"),
        "metrics_encoded": get("/%6detrics"),
        "metrics_query": get("/metrics?format=text"),
        "nginx_health": get("/nginx-health"),
        "big_json": get("/big", {"Accept-Encoding": "gzip"}),
        "big_json_plain": get("/big"),
    }
    # Ten requests on one client connection: with keepalive, one connection to the app serves them all.
    kept = http.client.HTTPConnection("127.0.0.1", 80, timeout=10)
    results["kept_alive"] = [send(kept, "GET", f"/api/catalog/products?kept={i}") for i in range(10)]
    kept.close()
    results["order_listing"] = [get("/api/ordering/orders") for _ in range(ORDER_BURST)]
    results["order_placement"] = [request("POST", "/api/ordering/orders") for _ in range(ORDER_BURST)]
    return results


def main(conf: str, workdir: str) -> int:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "addr", "add", f"{LOAD_BALANCER}/32", "dev", "lo"], check=True)
    app = ThreadingHTTPServer(APP_ADDRESS, StandInApp)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    syslog = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    syslog.bind(SYSLOG_ADDRESS)
    threading.Thread(target=collect_syslog, args=(syslog,), daemon=True).start()

    work = Path(workdir)
    access_log = work / "nginx.out"
    with access_log.open("wb") as out:
        nginx = subprocess.Popen(
            ["nginx", "-p", str(work), "-c", conf, "-g", f"daemon off; pid {work}/nginx.pid;"],
            stdout=out,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for_port(80)
            results = requests()
        finally:
            nginx.terminate()
            _, errors = nginx.communicate(timeout=10)
    deadline = time.monotonic() + 5
    while len(SYSLOG_LINES) < len(access_log.read_text().splitlines()) and time.monotonic() < deadline:
        time.sleep(0.05)
    document = {
        "client": results,
        "app": SEEN_BY_APP,
        "access_log": access_log.read_text().splitlines(),
        "syslog": SYSLOG_LINES,
        "nginx_errors": errors.decode(errors="replace"),
    }
    sys.stdout.write(json.dumps(document))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
