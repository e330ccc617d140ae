"""The embedded server the fault tests build on: it starts, stops, crashes, freezes and resumes, and keeps what was
committed across all of it."""

import asyncio
from pathlib import Path

import asyncpg
import pytest

from devtools.postgres_server import MAJOR_VERSION, EmbeddedPostgres, throwaway_postgres


def query(server: EmbeddedPostgres, sql: str) -> object:
    async def run() -> object:
        connection = await asyncpg.connect(server.url(driver="postgresql"), timeout=10)
        try:
            return await connection.fetchval(sql)
        finally:
            await connection.close()

    return asyncio.run(run())


def refuses_connections(port: int) -> bool:
    try:
        asyncio.run(asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", timeout=10))
    except OSError:
        return True
    return False


def test_it_runs_the_postgresql_of_the_wheel(throwaway_postgres: EmbeddedPostgres) -> None:
    assert query(throwaway_postgres, "SELECT current_setting('server_version_num')::int / 10000") == MAJOR_VERSION


@pytest.mark.parametrize(
    ("ending", "logged"),
    [("stop", "database system is shut down"), ("kill", "database system was interrupted")],  # kill: a crash
)
def test_committed_data_survives_a_stop_or_a_crash(
    throwaway_postgres: EmbeddedPostgres, ending: str, logged: str
) -> None:
    query(throwaway_postgres, "CREATE TABLE kept AS SELECT 42 AS answer")
    port = throwaway_postgres.port
    getattr(throwaway_postgres, ending)()
    assert throwaway_postgres.pid is None
    assert refuses_connections(port)
    throwaway_postgres.start()
    assert throwaway_postgres.port == port  # clients find it where it was
    assert query(throwaway_postgres, "SELECT answer FROM kept") == 42
    assert logged in throwaway_postgres.log_path.read_text()


def test_a_frozen_server_answers_nothing_until_resumed(throwaway_postgres: EmbeddedPostgres) -> None:
    async def scenario() -> None:
        connection = await asyncpg.connect(throwaway_postgres.url(driver="postgresql"))
        throwaway_postgres.freeze()
        with pytest.raises(TimeoutError):  # an open session hangs...
            await connection.fetchval("SELECT 1", timeout=1)
        with pytest.raises(TimeoutError):  # ...and so does a new one
            await asyncpg.connect(throwaway_postgres.url(driver="postgresql"), timeout=1)
        throwaway_postgres.resume()
        fresh = await asyncpg.connect(throwaway_postgres.url(driver="postgresql"), timeout=10)
        assert await fresh.fetchval("SELECT 2") == 2
        await fresh.close()
        connection.terminate()

    asyncio.run(scenario())


@pytest.mark.parametrize("left", ["running", "killed", "frozen"])
def test_a_throwaway_server_is_removed_whatever_state_it_is_left_in(left: str) -> None:
    with throwaway_postgres() as server:
        folder, pid = server.data_dir.parent, server.pid
        assert pid is not None
        {"running": lambda: None, "killed": server.kill, "frozen": server.freeze}[left]()
    assert not folder.exists()
    assert not Path(f"/proc/{pid}").exists()
