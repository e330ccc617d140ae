"""The make targets on a machine without PostgreSQL: `make seed` and `make run` with the embedded server, its data
kept between them, nothing left running after Ctrl-C; an explicit server that does not answer stays an error."""

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from devtools.postgres_server import EmbeddedPostgres, free_port
from tests.database import ROOT

pytestmark = pytest.mark.slow
BUDGET_SECONDS = 180  # each make; far more than this machine needs when busy


def make(*targets: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", *targets], cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUDGET_SECONDS, check=False
    )


def wait_until(condition: object, what: str) -> None:
    deadline = time.monotonic() + BUDGET_SECONDS
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def products(url: str) -> int | None:
    try:
        return len(httpx.get(f"{url}/api/catalog/products", timeout=2).json()["items"])
    except httpx.HTTPError:
        return None


def test_seed_then_run_on_the_embedded_server_then_ctrl_c_leaves_nothing_running(tmp_path: Path) -> None:
    folder = tmp_path / "embedded"
    env = {**os.environ, "DATABASE_URL": "embedded", "EMBEDDED_POSTGRES_DIR": str(folder), "MAKEFLAGS": ""}
    seeded = make("seed", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "catalog: 8 products" in seeded.stdout
    assert seeded.stderr.count("the embedded PostgreSQL 18") == 1  # one line for the whole make
    server = EmbeddedPostgres(folder / "data")
    wait_until(lambda: server.pid is None, "the server outlived `make seed`")

    port = free_port()
    run = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a terminal of its own: Ctrl-C goes to its whole foreground group
    )
    try:
        wait_until(lambda: products(f"http://127.0.0.1:{port}") is not None, "make run did not serve")
        assert products(f"http://127.0.0.1:{port}") == 8  # the data of `make seed`, kept
        os.killpg(run.pid, signal.SIGINT)
        run.wait(timeout=BUDGET_SECONDS)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    wait_until(lambda: server.pid is None, "the embedded server outlived `make run` stopped with Ctrl-C")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health/live")
    assert (folder / "data" / "PG_VERSION").exists()


def test_an_explicit_server_that_does_not_answer_stops_make_migrate(tmp_path: Path) -> None:
    port = free_port()
    dead = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/order_service"
    env = {**os.environ, "DATABASE_URL": dead, "EMBEDDED_POSTGRES_DIR": str(tmp_path / "embedded"), "MAKEFLAGS": ""}
    result = make("migrate", env=env)
    assert result.returncode != 0
    assert f"No PostgreSQL answers at 127.0.0.1:{port}" in result.stderr
    assert "embedded" not in result.stderr
    assert not (tmp_path / "embedded").exists()
