"""Migrations: one linear, numbered history that goes up, down and up again cleanly."""

import asyncio
import re
from collections.abc import Iterator

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from migrations.metadata import target_metadata
from tests.database import ROOT, alembic_config, downgrade, migrate, throwaway_database


@pytest.fixture
def empty_database() -> Iterator[str]:
    with throwaway_database("order_service_stairway", migrated=False) as url:
        yield url


def _tables(url: str) -> set[str]:
    async def query() -> set[str]:
        connection = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            rows = await connection.fetch(
                "SELECT schemaname || '.' || tablename AS t FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
            )
        finally:
            await connection.close()
        return {r["t"] for r in rows}

    return asyncio.run(query())


def test_revisions_are_numbered_and_linear() -> None:
    script = ScriptDirectory.from_config(alembic_config("postgresql+asyncpg://unused/unused"))
    revisions = list(reversed(list(script.walk_revisions())))
    assert [r.revision for r in revisions] == [f"{n:04d}" for n in range(1, len(revisions) + 1)]
    assert len(script.get_heads()) == 1
    files = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("*.py"))
    assert all(re.fullmatch(r"\d{4}_[a-z0-9_]+\.py", f) for f in files), files
    assert files[0].startswith("0001_")


def test_stairway_every_revision_upgrades_downgrades_and_upgrades_again(empty_database: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(empty_database))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for index, revision in enumerate(revisions):
        previous = revisions[index - 1] if index else "base"
        migrate(empty_database, revision)
        after_up = _tables(empty_database)
        downgrade(empty_database, previous)
        migrate(empty_database, revision)
        assert _tables(empty_database) == after_up
    downgrade(empty_database, "base")
    assert _tables(empty_database) == {"public.alembic_version"}


def test_migrations_match_the_tables_the_code_uses(empty_database: str) -> None:
    """Autogenerate finds nothing to do: the hand-written migrations and the Core tables agree."""
    migrate(empty_database)

    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"include_schemas": True, "compare_type": True})
        return list(compare_metadata(context, target_metadata))  # type: ignore[arg-type]

    async def run() -> list[object]:
        engine = create_async_engine(empty_database)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(diff)
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == []
