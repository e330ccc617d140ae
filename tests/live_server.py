"""Run the real service in a subprocess, as production does (serve.py), for black-box tests."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.database import ROOT

# A bound, not an expectation: on a quiet machine the server serves within seconds, but on two cores shared by many
# test runs, importing and starting two workers has taken 28 s.
STARTUP_TIMEOUT_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def live_server(
    database_url: str,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
) -> Iterator[str]:
    """Yield the base URL of the production server; stop it (by pid) afterwards."""
    port = free_port()
    environment = {
        **os.environ,
        "ENV_FILE": "/dev/null",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        # Small pools by default: the test database server's connections are shared (see tests/conftest.py).
        "DB_POOL_SIZE": "2",
        "DB_MAX_OVERFLOW": "3",
        **(env or {}),
    }
    command = [
        sys.executable,
        str(ROOT / "serve.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with open(log_path or os.devnull, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_live(base_url, process)
            yield base_url
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process of ours by its pid: politely, then for sure."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_live(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"the server exited with {process.returncode} before serving"
            raise RuntimeError(msg)
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/health/live", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    msg = f"the server did not serve {base_url} within {STARTUP_TIMEOUT_SECONDS}s"
    raise RuntimeError(msg)
