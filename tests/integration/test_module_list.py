"""A module added to the list gets its tables migrated (by what autogenerate writes for them) and emptied
between tests, with nothing else to edit."""

import asyncio
from collections.abc import Iterator

import pytest
from alembic.autogenerate import produce_migrations
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from migrations.metadata import metadata_of
from modules.registry import MODULES
from tests.architecture.test_module_list import scratch_module
from tests.database import throwaway_database, truncate_all


@pytest.fixture
def migrated_database() -> Iterator[str]:
    with throwaway_database("order_service_modules") as url:
        yield url


def test_a_new_modules_tables_are_migrated_and_truncated(migrated_database: str) -> None:
    scratch = scratch_module()
    modules = [*MODULES, scratch]

    def autogenerate_and_apply(connection: Connection) -> list[str]:
        """What `make revision autogenerate=1` would write, run as a migration would run it."""
        context = MigrationContext.configure(
            connection,
            opts={"include_schemas": True, "target_metadata": metadata_of(modules)},
        )
        script = produce_migrations(context, metadata_of(modules))  # type: ignore[arg-type]  # a list works too
        operations = Operations(context)
        operations.execute(f"CREATE SCHEMA {scratch.schema}")  # as a module's first migration does
        for operation in script.upgrade_ops.ops if script.upgrade_ops else []:
            operations.invoke(operation)
        return [type(operation).__name__ for operation in script.upgrade_ops.ops] if script.upgrade_ops else []

    async def run() -> tuple[list[str], int]:
        engine = create_async_engine(migrated_database)
        try:
            async with engine.begin() as connection:
                operations = await connection.run_sync(autogenerate_and_apply)
                await connection.execute(text("INSERT INTO scratch.notes (id, text) VALUES (1, 'left over')"))
            async with engine.begin() as connection:
                await connection.execute(text(truncate_all(modules)))
                left = (await connection.execute(text("SELECT count(*) FROM scratch.notes"))).scalar_one()
        finally:
            await engine.dispose()
        return operations, left

    operations, left = asyncio.run(run())

    assert operations == ["CreateTableOp"]  # the new table, and nothing for the modules already migrated
    assert left == 0
