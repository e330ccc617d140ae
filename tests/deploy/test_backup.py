"""Backups, proven on the test server: infra/postgres/backup.sh (what infra's `backup` service runs) dumps a
database holding real orders, restores the dump into a new database, and the two hold the same rows; old dumps
expire, the newest never does, and a restore never overwrites an existing database.
"""

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.database import ROOT, create_database, database_server, database_url, drop_database, migrate
from tests.deploy.tools import clean_env, run
from tests.live_server import live_server
from tests.order_traffic import place_cancel_and_refuse_orders

BACKUP_SCRIPT = ROOT / "infra" / "postgres" / "backup.sh"
SERVER = database_server()
USER, ADDRESS = SERVER.rsplit("@", 1)
HOST, PORT = ADDRESS.split(":")
DAY = 86_400


def backup(*args: str, database: str, folder: Path, **env: str) -> tuple[int, str]:
    libpq = {"PGHOST": HOST, "PGPORT": PORT, "PGUSER": USER, "PGDATABASE": database}
    result = run(["sh", str(BACKUP_SCRIPT), *args], env=clean_env(BACKUP_DIR=str(folder), **libpq, **env))
    return result.returncode, result.stdout + result.stderr


async def _contents(database: str) -> dict[str, tuple[int, str]]:
    """Every table of the service's schemas: its row count and a digest of its rows in a stable order."""
    connection = await asyncpg.connect(database_url(database, driver="postgresql"))
    try:
        tables = await connection.fetch(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('catalog', 'inventory', 'ordering')"
        )
        contents = {}
        for schema, table in tables:
            digest = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            query = f'SELECT count(*) AS n, {digest} AS digest FROM "{schema}"."{table}" t'  # noqa: S608  # pg_tables' names
            row = await connection.fetchrow(query)
            assert row is not None
            contents[f"{schema}.{table}"] = (row["n"], row["digest"])
        return contents
    finally:
        await connection.close()


def contents(database: str) -> dict[str, tuple[int, str]]:
    return asyncio.run(_contents(database))


@pytest.fixture(scope="module")
def orders_database() -> Iterator[str]:
    """A migrated database with products, stock, placed, cancelled and refused orders, made by the real app."""
    name = f"backup_source_{uuid.uuid4().hex[:8]}"
    create_database(name)
    try:
        migrate(database_url(name))
        with live_server(database_url(name)) as url:
            place_cancel_and_refuse_orders(url)
        yield name
    finally:
        drop_database(name)


@pytest.fixture
def restored_name() -> Iterator[str]:
    name = f"backup_restored_{uuid.uuid4().hex[:8]}"
    yield name
    drop_database(name)


def test_a_dump_restores_into_a_new_database_with_the_same_rows(
    orders_database: str, restored_name: str, tmp_path: Path
) -> None:
    returncode, output = backup("dump", database=orders_database, folder=tmp_path, BACKUP_METRICS_DIR=str(tmp_path))
    assert returncode == 0, output
    (dump,) = tmp_path.glob("*.dump")
    assert dump.name.startswith(f"{orders_database}-")
    assert not list(tmp_path.glob(".*.partial"))
    metric = (tmp_path / "backup.prom").read_text()
    assert f'backup_last_success_timestamp_seconds{{database="{orders_database}"}}' in metric

    returncode, output = backup("restore", str(dump), restored_name, database=orders_database, folder=tmp_path)
    assert returncode == 0, output

    original, restored = contents(orders_database), contents(restored_name)
    assert restored == original
    assert original["ordering.orders"][0] >= 2
    assert original["inventory.stock"][0] >= 1
    assert original["catalog.products"][0] >= 2


def test_a_restore_never_overwrites_an_existing_database(orders_database: str, tmp_path: Path) -> None:
    assert backup("dump", database=orders_database, folder=tmp_path)[0] == 0
    (dump,) = tmp_path.glob("*.dump")
    returncode, output = backup("restore", str(dump), orders_database, database=orders_database, folder=tmp_path)
    assert returncode != 0
    assert "already exists" in output


def test_a_failed_dump_leaves_no_file_and_no_success_metric(tmp_path: Path) -> None:
    returncode, output = backup("dump", database="no_such_database", folder=tmp_path, BACKUP_METRICS_DIR=str(tmp_path))
    assert returncode != 0
    assert "failed" in output
    assert list(tmp_path.iterdir()) == []


def test_dumps_older_than_the_retention_expire_but_the_newest_stays(tmp_path: Path) -> None:
    now = time.time()
    ages = {"db-20250101T000000Z.dump": 30, "db-20250120T000000Z.dump": 8, "db-20250125T000000Z.dump": 3}
    for name, days in ages.items():
        (tmp_path / name).write_bytes(b"dump")
        os.utime(tmp_path / name, (now - days * DAY, now - days * DAY))
    assert backup("prune", database="db", folder=tmp_path, BACKUP_RETENTION_DAYS="7")[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db-20250125T000000Z.dump"]

    # Dumps have stopped for a month: the last one is all there is, and it stays.
    os.utime(tmp_path / "db-20250125T000000Z.dump", (now - 40 * DAY, now - 40 * DAY))
    assert backup("prune", database="db", folder=tmp_path, BACKUP_RETENTION_DAYS="7")[0] == 0
    assert [p.name for p in tmp_path.iterdir()] == ["db-20250125T000000Z.dump"]
