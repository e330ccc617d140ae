"""Run the real nginx configuration against stand-ins, inside a private network namespace.

`python -m tests.deploy.nginx_sandbox NGINX_CONF WORKDIR` must run in a fresh network namespace
(`unshare --net`, root), where 127.0.0.11 (Docker's DNS address) and ports 53, 80 and 8000 are free:
  - a stand-in for Docker's DNS on 127.0.0.11:53 answers `app` with 127.0.0.1 (once started);
  - a stand-in for the app on 127.0.0.1:8000 answers every request with the headers it received;
  - nginx runs the configuration unchanged, on port 80.
It sends the requests below and prints one JSON document: what each client saw, what the app saw, and
nginx's access log lines. tests/deploy/test_nginx.py asserts on it.
"""

import http.client
import json
import socket
import struct
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DNS_ADDRESS = ("127.0.0.11", 53)
APP_ADDRESS = ("127.0.0.1", 8000)
SEEN_BY_APP: list[dict[str, Any]] = []


class StandInApp(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        SEEN_BY_APP.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}})
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Request-ID", self.headers.get("X-Request-ID", "app-made-up"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # BaseHTTPRequestHandler's name
        pass


def dns_answer(query: bytes) -> bytes:
    """An A record 127.0.0.1 for `app`; NXDOMAIN for any other name."""
    (query_id,) = struct.unpack("!H", query[:2])
    labels, offset = [], 12
    while length := query[offset]:
        labels.append(query[offset + 1 : offset + 1 + length].decode())
        offset += 1 + length
    question = query[12 : offset + 5]
    (query_type,) = struct.unpack("!H", query[offset + 1 : offset + 3])
    if labels == ["app"] and query_type == 1:
        answer = struct.pack("!HHHIH4s", 0xC00C, 1, 1, 5, 4, socket.inet_aton("127.0.0.1"))
        return struct.pack("!HHHHHH", query_id, 0x8180, 1, 1, 0, 0) + question + answer
    return struct.pack("!HHHHHH", query_id, 0x8183, 1, 0, 0, 0) + question


def serve_dns(sock: socket.socket) -> None:
    while True:
        query, client = sock.recvfrom(512)
        sock.sendto(dns_answer(query), client)


def get(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", 80, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read().decode(errors="replace")
    connection.close()
    return {
        "path": path,
        "status": response.status,
        "request_ids": response.headers.get_all("X-Request-ID") or [],
        "body": body,
    }


def wait_for_port(port: int) -> None:
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def main(conf: str, workdir: str) -> int:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    app = ThreadingHTTPServer(APP_ADDRESS, StandInApp)
    threading.Thread(target=app.serve_forever, daemon=True).start()

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
            results = {
                # No DNS answers yet (the app is not deployed): nginx is up all the same.
                "before_dns": get("/api/catalog/products"),
            }
            dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            dns.bind(DNS_ADDRESS)
            threading.Thread(target=serve_dns, args=(dns,), daemon=True).start()
            results |= {
                "new_id": get("/api/catalog/products?limit=1"),
                "client_id": get("/api/catalog/products", {"X-Request-ID": "client-id-42"}),
                "insane_id": get("/health/live", {"X-Request-ID": "x" * 300}),
                "forged_forwarded_for": get("/health/live", {"X-Forwarded-For": "203.0.113.9"}),
                "metrics": get("/metrics"),
                "metrics_slash": get("/metrics/"),
                "metrics_double_slash": get("//metrics"),
                "metrics_encoded": get("/%6detrics"),
                "metrics_query": get("/metrics?format=text"),
                "nginx_health": get("/nginx-health"),
            }
        finally:
            nginx.terminate()
            _, errors = nginx.communicate(timeout=10)
    document = {
        "client": results,
        "app": SEEN_BY_APP,
        "access_log": access_log.read_text().splitlines(),
        "nginx_errors": errors.decode(errors="replace"),
    }
    sys.stdout.write(json.dumps(document))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
