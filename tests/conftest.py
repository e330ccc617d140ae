"""Fixtures shared by the integration and api suites (unit tests need none of them)."""

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from shared_kernel.infrastructure.settings import Settings
from tests.database import TRUNCATE_ALL, create_database, database_url, drop_database, migrate


@pytest.fixture(scope="session")
def test_database() -> Iterator[str]:
    """A migrated database of this xdist worker's own; the URL is yielded."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"order_service_test_{worker}_{uuid.uuid4().hex[:8]}"
    create_database(name)
    url = database_url(name)
    migrate(url)
    yield url
    drop_database(name)


@pytest.fixture(scope="session")
def settings(test_database: str) -> Settings:
    return Settings(
        app_env="test",
        database_url=test_database,
        log_format="console",
        log_level="WARNING",
        db_pool_size=20,
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(str(settings.database_url), pool_size=60, max_overflow=10)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@pytest.fixture
async def clean_database(engine: AsyncEngine) -> None:
    """Every integration and api test starts from empty tables."""
    async with engine.begin() as connection:
        await connection.execute(text(TRUNCATE_ALL))
