"""The production server (shared_kernel.api.serving) with several workers: each has its own listening socket,
connections are spread over them, a worker that dies is replaced, SIGTERM stops everything, and a port
already served is refused, and an app that cannot start stops it."""

import contextlib
import json
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


def connect_many(url: str, count: int) -> list[httpx.Client]:
    """`count` keep-alive connections, each having answered one request."""
    clients = [httpx.Client(base_url=url) for _ in range(count)]
    for client in clients:
        assert client.get("/health/live").status_code == 200
    return clients


def served_by(port: int, workers: set[int], count: int, url: str) -> dict[int, int]:
    """Open `count` connections and count how many each worker holds."""
    clients = connect_many(url, count)
    try:
        connections = sockets_by_process(port, _ESTABLISHED)
    finally:
        for client in clients:
            client.close()
    return {pid: connections[pid] for pid in workers}


def test_two_workers_listen_separately_share_the_connections_and_are_replaced(settings: Settings) -> None:
    with live_server(str(settings.database_url), workers=2) as url:
        port = int(url.rsplit(":", 1)[1])
        listeners = set(listening_workers(port))  # one socket per worker, none in the supervisor
        shares = served_by(port, listeners, 40, url)
        assert sum(shares.values()) == 40, shares
        # Hashing 40 connections over 2 sockets: fewer than 8 on either has odds of about 1 in 24,000.
        assert min(shares.values()) >= 8, shares

        doomed = min(listeners)
        os.kill(doomed, signal.SIGKILL)

        def replaced() -> bool:
            now = set(sockets_by_process(port, _LISTEN))
            return len(now) == 2 and doomed not in now

        assert wait_for(replaced, seconds=30)
        listeners = set(sockets_by_process(port, _LISTEN))
        shares = served_by(port, listeners, 20, url)
        assert sum(shares.values()) == 20, shares
        assert min(shares.values()) >= 1, shares  # the new worker serves too


def serve(settings: Settings, port: int, *extra: str, **env: str) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "ENV_FILE": "/dev/null", "DATABASE_URL": str(settings.database_url),
                   "LOG_LEVEL": "INFO", "DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "1", **env}  # fmt: skip
    command = [sys.executable, "-m", "shared_kernel.api.serving", *extra, "--port", str(port), "--workers", "2"]
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def listening_workers(port: int) -> list[int]:
    """The pids of the two workers, once both listen on `port`."""
    assert wait_for(lambda: len(sockets_by_process(port, _LISTEN)) == 2, seconds=30)
    return list(sockets_by_process(port, _LISTEN))


def test_sigterm_stops_every_worker_gracefully(settings: Settings) -> None:
    port = free_port()
    process = serve(settings, port, "main:create_app")
    try:
        workers = listening_workers(port)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=40)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, output
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert not sockets_by_process(port, _LISTEN)
    events = [json.loads(line).get("event") for line in output.splitlines() if line.startswith(b"{")]
    assert events.count("Application shutdown complete.") == 2, output  # uvicorn's graceful path, per worker


def test_workers_do_not_outlive_a_killed_supervisor(settings: Settings) -> None:
    port = free_port()
    process = serve(settings, port, "main:create_app")
    workers: list[int] = []
    try:
        workers = listening_workers(port)
        process.kill()
        process.wait()
        assert wait_for(lambda: not [pid for pid in workers if Path(f"/proc/{pid}").exists()], seconds=30)
    finally:
        process.kill()
        process.wait()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_an_app_that_cannot_start_stops_the_server_at_once(settings: Settings) -> None:
    invalid = serve(settings, free_port(), "main:create_app", DB_POOL_SIZE="many")
    output, _ = invalid.communicate(timeout=30)
    assert invalid.returncode == 3
    assert b"invalid settings" in output
    assert b"db_pool_size" in output

    broken = serve(settings, free_port(), "tests.contract.unstartable_app:create_app")
    output, _ = broken.communicate(timeout=60)
    assert broken.returncode == 3
    assert b"this app cannot start" in output
    assert b"could not start; stopping" in output
    assert b"starting a new one" not in output


def test_a_port_that_is_already_served_is_refused(settings: Settings) -> None:
    with live_server(str(settings.database_url), workers=2) as url:
        port = int(url.rsplit(":", 1)[1])
        second = serve(settings, port, "main:create_app")
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
        second = serve(settings, squatter.getsockname()[1], "main:create_app")
        output, _ = second.communicate(timeout=30)
    assert second.returncode == 3
    assert b"cannot listen" in output
