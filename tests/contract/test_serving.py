"""The production server (serve.py: uvicorn with two workers): a worker that dies is replaced and serves,
SIGTERM stops every worker gracefully, invalid settings or an app that cannot start stop it with exit code 3,
and a port already served is refused."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from shared_kernel.infrastructure.settings import Settings
from tests.database import ROOT
from tests.live_server import free_port

pytestmark = pytest.mark.slow

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


def serve(
    settings: Settings, port: int, *extra: str, output: int = subprocess.PIPE, **env: str
) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "ENV_FILE": "/dev/null", "DATABASE_URL": str(settings.database_url),
                   "LOG_LEVEL": "INFO", "DB_POOL_SIZE": "1", "DB_MAX_OVERFLOW": "1", **env}  # fmt: skip
    command = [sys.executable, str(ROOT / "serve.py"), *extra, "--port", str(port), "--workers", "2"]
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)


@contextmanager
def two_workers(settings: Settings, port: int, output: int = subprocess.PIPE) -> Iterator[subprocess.Popen[bytes]]:
    """The server, once it answers; killed (with any worker left) afterwards."""
    process = serve(settings, port, output=output)
    try:
        assert wait_for(lambda: len(workers_of(process.pid)) == 2 and answers(port), seconds=60)
        yield process
    finally:
        leftovers = workers_of(process.pid) if process.poll() is None else set()
        process.kill()
        process.wait()
        for pid in leftovers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def workers_of(supervisor: int) -> set[int]:
    """The supervisor's worker processes (not multiprocessing's resource tracker)."""
    try:
        children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    except OSError:
        return set()
    workers = set()
    for pid in children:
        with suppress(OSError):
            if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                workers.add(int(pid))
    return workers


def answers(port: int) -> bool:
    with suppress(httpx.HTTPError):
        return httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=2).status_code == 200
    return False


def test_a_killed_worker_is_replaced_and_the_new_one_serves(settings: Settings) -> None:
    port = free_port()
    with two_workers(settings, port, output=subprocess.DEVNULL) as process:  # many requests: a pipe would fill up
        doomed, survivor = sorted(workers_of(process.pid))
        os.kill(doomed, signal.SIGKILL)
        assert wait_for(lambda: len(workers_of(process.pid) - {survivor, doomed}) == 1, seconds=30)
        (replacement,) = workers_of(process.pid) - {survivor, doomed}
        # The workers share one socket and race to accept: open connections until the replacement holds one.
        assert wait_for(lambda: replacement in serving(port, connections=10), seconds=60)


def serving(port: int, connections: int) -> set[int]:
    """The workers holding `connections` keep-alive connections opened at once, each having answered once."""
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) for _ in range(connections)]
    try:
        for client in clients:
            assert client.get("/health/live").status_code == 200
        return set(sockets_by_process(port, _ESTABLISHED))
    finally:
        for client in clients:
            client.close()


def test_sigterm_stops_every_worker_gracefully(settings: Settings) -> None:
    port = free_port()
    with two_workers(settings, port) as process:
        workers = workers_of(process.pid)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=40)
    assert process.returncode == 0, output
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert not sockets_by_process(port, _LISTEN)
    assert output.count(b"Application shutdown complete.") == 2, output  # uvicorn's graceful path, per worker


def test_an_app_that_cannot_start_stops_the_server_at_once(settings: Settings) -> None:
    invalid = serve(settings, free_port(), DB_POOL_SIZE="many")
    output, _ = invalid.communicate(timeout=30)
    assert invalid.returncode == 3
    assert b"invalid settings" in output
    assert b"db_pool_size" in output

    broken = serve(settings, free_port(), "--app", "tests.contract.unstartable_app:create_app")
    output, _ = broken.communicate(timeout=60)
    assert broken.returncode == 3, output
    assert b"this app cannot start" in output
    assert b"failed to start, stopping the parent process" in output
    assert b"died" not in output  # no restart loop


def test_a_port_that_is_already_served_is_refused(settings: Settings) -> None:
    port = free_port()
    with two_workers(settings, port):
        second = serve(settings, port)
        try:
            output, _ = second.communicate(timeout=30)
        finally:
            second.kill()
        assert second.returncode != 0
        assert b"Address already in use" in output
        assert answers(port)
