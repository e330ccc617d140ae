"""Fixtures shared by the integration and api suites (unit tests need none of them), and the choice of the
test database server for the whole run."""

import contextlib
import os
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from devtools import postgres_server
from devtools.database import chosen_test_server
from devtools.postgres_server import EmbeddedPostgres
from shared_kernel.infrastructure.settings import Settings
from tests.database import throwaway_database, truncate_all


def pytest_configure(config: pytest.Config) -> None:
    """Choose TEST_DATABASE_SERVER once, before xdist starts its workers (they inherit it): as set, else the
    default server when it answers, else one embedded server for the whole run, stopped at its end."""
    if not hasattr(config, "workerinput"):
        run = contextlib.ExitStack()
        os.environ["TEST_DATABASE_SERVER"] = run.enter_context(chosen_test_server(os.environ))
        config.add_cleanup(run.close)


@pytest.fixture
def throwaway_postgres() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL server of the test's own, for tests that stop, crash (kill), freeze or resume it; on a free
    port, its data in a temporary folder, removed afterwards (devtools/README.md)."""
    with postgres_server.throwaway_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def test_database() -> Iterator[str]:
    """A migrated database of this xdist worker's own; the URL is yielded."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with throwaway_database(f"order_service_test_{worker}") as url:
        yield url


@pytest.fixture(scope="session")
def settings(test_database: str) -> Settings:
    return Settings(
        app_env="test",
        database_url=test_database,
        log_format="console",
        log_level="WARNING",
        # Small pools: PostgreSQL's default 100 connections are shared by both xdist workers, and one of them
        # may be running a storm of 60 (see storm_sessions).
        db_pool_size=2,
        db_max_overflow=3,
        # Storms of concurrent orders check correctness under contention on a machine that may be crowded:
        # production's lock and statement bounds (tests/faults proves those) would turn slow turns into 503s.
        db_lock_timeout_ms=30_000,
        db_statement_timeout_ms=60_000,
        db_command_timeout_seconds=60,
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(
        str(settings.database_url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    yield engine
    await engine.dispose()


@pytest.fixture
async def storm_sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions for concurrency tests: each holds its own connection, closed when the session ends, so a
    storm of 60 costs nothing afterwards (PostgreSQL allows 100 connections here, shared by xdist workers;
    storms share one xdist group so that two never run at once)."""
    engine = create_async_engine(str(settings.database_url), poolclass=NullPool)
    yield async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    await engine.dispose()


@pytest.fixture(scope="session")
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@pytest.fixture
async def clean_database(engine: AsyncEngine) -> None:
    """Every integration and api test starts from empty tables."""
    async with engine.begin() as connection:
        await connection.execute(text(truncate_all()))
