"""Throwaway PostgreSQL databases for tests: one per xdist worker, migrated to head, dropped afterwards."""

import asyncio
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config

from devtools.database import DEFAULT_TEST_SERVER
from modules.registry import MODULES
from shared_kernel.api.module_definition import ModuleDefinition

ROOT = Path(__file__).resolve().parent.parent


def database_server() -> str:
    """The server the tests use (`user@host:port`); they create and drop their own databases on it. Read when
    needed: tests/conftest.py sets TEST_DATABASE_SERVER once pytest has chosen one (devtools/database.py)."""
    return os.environ.get("TEST_DATABASE_SERVER", DEFAULT_TEST_SERVER)


def database_url(name: str, driver: str = "postgresql+asyncpg") -> str:
    return f"{driver}://{database_server()}/{name}"


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(database_url("postgres", driver="postgresql"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def create_database(name: str) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))


def drop_database(name: str) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def throwaway_database(prefix: str, *, migrated: bool = True) -> Iterator[str]:
    """A new database `<prefix>_<random>` (migrated to head unless told otherwise), dropped afterwards: its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    create_database(name)
    try:
        url = database_url(name)
        if migrated:
            migrate(url)
        yield url
    finally:
        drop_database(name)


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    return config


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def truncate_all(modules: Iterable[ModuleDefinition] = MODULES) -> str:
    """One statement emptying every table of the listed modules."""
    tables = [f'"{table.schema}"."{table.name}"' for module in modules for table in module.metadata.sorted_tables]
    return f"TRUNCATE {', '.join(tables)} CASCADE"
