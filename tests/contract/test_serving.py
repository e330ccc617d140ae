"""The production server (shared_kernel.api.serving) with several workers: each has its own listening socket,
connections are spread over them, a worker that dies is replaced, SIGTERM stops everything, and a port
already served is refused."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

from shared_kernel.infrastructure.settings import Settings
from tests.database import ROOT
from tests.live_server import free_port, live_server

_LISTEN, _ESTABLISHED = "0A", "01"


def sockets_by_process(port: int, state: str) -> Counter[int]:
    """How many TCP sockets in `state` on local port `port` each process holds (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    held: Counter[int] = Counter()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            links = [os.readlink(fd) for fd in fd_dir.iterdir()]
        except OSError:  # the process ended meanwhile
            continue
        held[int(fd_dir.parent.name)] += sum(link[8:-1] in inodes for link in links if link.startswith("socket:["))
    return +held


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_two_workers_listen_separately_and_share_the_connections(settings: Settings) -> None:
    with live_server(str(settings.database_url), workers=2) as url:
        port = int(url.rsplit(":", 1)[1])
        listeners = sockets_by_process(port, _LISTEN)
        assert len(listeners) == 2, listeners  # one socket per worker, none in the supervisor
        clients = [httpx.Client(base_url=url) for _ in range(40)]
        try:
            for client in clients:
                assert client.get("/health/live").status_code == 200
            connections = sockets_by_process(port, _ESTABLISHED)
        finally:
            for client in clients:
                client.close()
        served = {pid: count for pid, count in connections.items() if pid in listeners}
        assert sum(served.values()) == 40, connections
        # Hashing 40 connections over 2 sockets: fewer than 8 on one of them has odds of about 1 in 50,000.
        assert min(served.values(), default=0) >= 8, served

        doomed = min(listeners)
        os.kill(doomed, signal.SIGKILL)
        assert wait_for(lambda: len(sockets_by_process(port, _LISTEN)) == 2 and doomed not in sockets_by_process(
            port, _LISTEN), seconds=20)  # fmt: skip
        assert httpx.get(f"{url}/health/live").status_code == 200


def serve(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "ENV_FILE": "/dev/null", "DATABASE_URL": str(settings.database_url),
                   "LOG_LEVEL": "WARNING", "DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "1"}  # fmt: skip
    command = [
        sys.executable,
        "-m",
        "shared_kernel.api.serving",
        "main:create_app",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_sigterm_stops_the_supervisor_and_every_worker(settings: Settings) -> None:
    port = free_port()
    process = serve(settings, port)
    try:
        assert wait_for(lambda: len(sockets_by_process(port, _LISTEN)) == 2, seconds=30)
        workers = list(sockets_by_process(port, _LISTEN))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
        assert not sockets_by_process(port, _LISTEN)
    finally:
        process.kill()
        process.wait()


def test_a_port_that_is_already_served_is_refused(settings: Settings) -> None:
    with live_server(str(settings.database_url), workers=2) as url:
        port = int(url.rsplit(":", 1)[1])
        second = serve(settings, port)
        try:
            output, _ = second.communicate(timeout=30)
        finally:
            second.kill()
        assert second.returncode == 3
        assert b"already being served" in output
        assert len(sockets_by_process(port, _LISTEN)) == 2


def test_a_port_held_by_another_program_is_refused(settings: Settings) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))  # bound, not listening: nothing answers, but the port is taken
        second = serve(settings, squatter.getsockname()[1])
        output, _ = second.communicate(timeout=30)
    assert second.returncode == 3
    assert b"cannot listen" in output
