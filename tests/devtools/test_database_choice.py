"""Which server a development command and a test run get: a real one when named or answering, the embedded one
only when asked for or when the local settings' server does not answer; never a silent switch."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devtools.database import chosen_test_server, embedded_reason
from devtools.postgres_server import EmbeddedPostgres, free_port
from tests.database import ROOT, database_server, database_url

# Run by `python -m devtools.database run --`: prints the DATABASE_URL it got, and counts the runs in a table of
# the embedded server's maintenance database.
COUNT_RUNS = """
import asyncio, os, asyncpg
url = os.environ["DATABASE_URL"]
print(url)
async def main():
    connection = await asyncpg.connect(url.replace("+asyncpg", "").rsplit("/", 1)[0] + "/postgres")
    await connection.execute("CREATE TABLE IF NOT EXISTS runs (n int); INSERT INTO runs VALUES (1)")
    print(await connection.fetchval("SELECT count(*) FROM runs"))
    await connection.close()
asyncio.run(main())
"""


def local_env(folder: Path, url: str) -> str:
    path = folder / ".local.env"
    path.write_text(f"APP_ENV=local\nDATABASE_URL={url}\n")
    return str(path)


def nowhere() -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/order_service"


def devtools(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "devtools.database", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def wait_until(condition: object, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_the_local_settings_keep_their_server_when_it_answers(tmp_path: Path) -> None:
    answering = database_url("order_service")
    assert embedded_reason({"ENV_FILE": local_env(tmp_path, answering)}) is None


def test_the_local_settings_get_the_embedded_server_when_nothing_answers(tmp_path: Path) -> None:
    port = free_port()
    reason = embedded_reason({"ENV_FILE": local_env(tmp_path, f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x")})
    assert reason is not None
    assert f"nothing answers at 127.0.0.1:{port}" in reason


@pytest.mark.parametrize("source", ["environment", "env file"])
def test_embedded_is_chosen_by_name(tmp_path: Path, source: str) -> None:
    if source == "environment":
        environ = {"ENV_FILE": local_env(tmp_path, nowhere()), "DATABASE_URL": "embedded"}
    else:
        environ = {"ENV_FILE": local_env(tmp_path, "embedded")}
    assert embedded_reason(environ) == "DATABASE_URL=embedded"


def test_an_explicit_or_production_server_that_does_not_answer_is_never_replaced(tmp_path: Path) -> None:
    assert embedded_reason({"ENV_FILE": local_env(tmp_path, nowhere()), "DATABASE_URL": nowhere()}) is None
    production = tmp_path / ".env"
    production.write_text(f"DATABASE_URL={nowhere()}\n")
    assert embedded_reason({"ENV_FILE": str(production)}) is None


def test_a_command_with_an_explicit_server_runs_with_it_unchanged(tmp_path: Path) -> None:
    dead = nowhere()
    env = {**os.environ, "ENV_FILE": local_env(tmp_path, nowhere()), "DATABASE_URL": dead}
    env["EMBEDDED_POSTGRES_DIR"] = str(tmp_path / "embedded")
    result = devtools("run", "--", sys.executable, "-c", "import os; print(os.environ['DATABASE_URL'])", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{dead}\n", "")
    assert not (tmp_path / "embedded").exists()


def test_the_embedded_server_lives_while_a_holder_does_then_stops_with_its_data_kept(tmp_path: Path) -> None:
    folder = tmp_path / "embedded"
    holder = subprocess.Popen(["sleep", "300"])  # stands for the `make` running the targets
    env = {**os.environ, "ENV_FILE": local_env(tmp_path, nowhere()), "EMBEDDED_POSTGRES_DIR": str(folder)}
    env |= {"DATABASE_HOLDER": str(holder.pid), "DATABASE_URL": "embedded"}
    dev_server = EmbeddedPostgres(folder / "data")
    try:
        first = devtools("run", "--", sys.executable, "-c", COUNT_RUNS, env=env)
        second = devtools("run", "--", sys.executable, "-c", COUNT_RUNS, env=env)
        assert first.returncode == second.returncode == 0, first.stderr + second.stderr
        url = f"postgresql+asyncpg://{dev_server.address}/order_service"
        assert (first.stdout, second.stdout) == (f"{url}\n1\n", f"{url}\n2\n")
        # Announced once per holder, in one line: the server, where its data is and how to reset it.
        assert first.stderr.count("\n") == 1
        assert f"embedded PostgreSQL 18 at {dev_server.address}, data in {folder}/" in first.stderr
        assert f"reset: make db-stop && rm -rf {folder}" in first.stderr
        assert second.stderr == ""
        assert dev_server.pid is not None  # the holder still runs
    finally:
        holder.kill()
        holder.wait()
    wait_until(lambda: dev_server.pid is None, "the reaper did not stop the server after its holder ended")
    env["DATABASE_HOLDER"] = str(os.getpid())
    third = devtools("run", "--", sys.executable, "-c", COUNT_RUNS, env=env)
    assert third.stdout.endswith("\n3\n"), third.stderr
    assert devtools("stop", env=env).returncode == 0
    assert dev_server.pid is None


def test_the_test_server_is_kept_when_named_and_embedded_when_asked_for() -> None:
    with chosen_test_server({"TEST_DATABASE_SERVER": "postgres@127.0.0.1:1"}) as named:
        assert named == "postgres@127.0.0.1:1"
    with chosen_test_server({"TEST_DATABASE_SERVER": database_server()}) as answering:
        assert answering == database_server()
    with chosen_test_server({"TEST_DATABASE_SERVER": "embedded"}) as embedded:
        assert embedded != database_server()
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import asyncio, asyncpg; asyncio.run(asyncpg.connect('postgresql://{embedded}/postgres'))",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
