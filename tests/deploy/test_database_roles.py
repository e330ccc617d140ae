"""Least privilege, proven on the test server: infra/postgres/roles.sql (what infra's PostgreSQL runs at its
first start) makes an owner role that the migrations run as, and an app role that the real service runs as.
The app does its whole job (orders placed, cancelled, refused) yet can create, alter, drop or truncate nothing.

Roles are cluster-wide: this test names its own (random suffix) and drops them afterwards.
"""

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import pytest

from tests.database import ROOT, create_database, database_server, drop_database, migrate
from tests.deploy.tools import clean_env, run, system_tool
from tests.live_server import live_server
from tests.order_traffic import place_cancel_and_refuse_orders

ROLES_SQL = ROOT / "infra" / "postgres" / "roles.sql"
SERVER = database_server()
HOST, PORT = SERVER.rsplit("@", 1)[-1].split(":")


@dataclass(frozen=True)
class Roles:
    database: str
    owner: str
    app: str
    exporter: str

    def url(self, role: str, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{role}@{HOST}:{PORT}/{self.database}"


def apply_roles_sql(roles: Roles) -> None:
    variables = {
        "database": roles.database,
        "owner": roles.owner,
        "owner_password": "owner-secret",
        "app": roles.app,
        "app_password": "app-secret",
        "exporter": roles.exporter,
        "exporter_password": "exporter-secret",
    }
    args = [system_tool("psql"), "--no-psqlrc", "-h", HOST, "-p", PORT, "-U", "postgres", "-d", roles.database]
    for name, value in variables.items():
        args += ["--set", f"{name}={value}"]
    result = run([*args, "--file", str(ROLES_SQL)], env=clean_env())
    assert result.returncode == 0, result.stderr


async def _as_superuser(sql: str) -> None:
    connection = await asyncpg.connect(f"postgresql://{SERVER}/postgres")
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def roles() -> Iterator[Roles]:
    suffix = uuid.uuid4().hex[:8]
    roles = Roles(f"roles_{suffix}", f"os_owner_{suffix}", f"os_app_{suffix}", f"os_exporter_{suffix}")
    create_database(roles.database)
    try:
        apply_roles_sql(roles)
        apply_roles_sql(roles)  # idempotent: a second run (make db-roles) changes nothing that matters
        migrate(roles.url(roles.owner))
        yield roles
    finally:
        drop_database(roles.database)
        asyncio.run(_as_superuser(f'DROP ROLE IF EXISTS "{roles.owner}", "{roles.app}", "{roles.exporter}"'))


async def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(sql))
    finally:
        await connection.close()


def fetch(url: str, sql: str) -> list[asyncpg.Record]:
    return asyncio.run(_fetch(url, sql))


def test_the_migrations_ran_as_the_owner_and_own_every_table(roles: Roles) -> None:
    owners = fetch(
        roles.url("postgres", "postgresql"),
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname IN ('catalog', 'inventory', 'ordering')",
    )
    assert [row["tableowner"] for row in owners] == [roles.owner]


def test_no_role_of_the_service_is_superuser_or_may_create_roles_or_databases(roles: Roles) -> None:
    names = f"'{roles.owner}', '{roles.app}', '{roles.exporter}'"
    query = (
        f"SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname IN ({names})"  # noqa: S608
    )
    rows = fetch(roles.url("postgres", "postgresql"), query)
    assert len(rows) == 3
    for row in rows:
        assert not any(row[flag] for flag in ("rolsuper", "rolcreaterole", "rolcreatedb", "rolbypassrls")), row


def test_the_app_role_serves_every_use_case(roles: Roles) -> None:
    """The real service, connected as the app role: products, stock, orders placed, cancelled and refused."""
    with live_server(roles.url(roles.app)) as url:
        traffic = place_cancel_and_refuse_orders(url)
    assert traffic.placed >= 2
    assert traffic.cancelled == 1
    assert set(traffic.refused) == {"out_of_stock", "unknown_products", "idempotency_conflict"}


@pytest.mark.parametrize(
    "ddl",
    [
        "CREATE TABLE catalog.sneaky (id int)",
        "CREATE TABLE public.sneaky (id int)",
        "CREATE SCHEMA sneaky",
        "ALTER TABLE catalog.products ADD COLUMN sneaky int",
        "DROP TABLE ordering.orders",
        "TRUNCATE inventory.stock",
        "CREATE INDEX sneaky ON catalog.products (id)",
        "CREATE FUNCTION catalog.sneaky() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE TEMPORARY TABLE sneaky (id int)",
    ],
)
def test_the_app_role_can_run_no_ddl(roles: Roles, ddl: str) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        fetch(roles.url(roles.app, "postgresql"), ddl)


def test_the_exporter_reads_statistics_but_no_table(roles: Roles) -> None:
    url = roles.url(roles.exporter, "postgresql")
    assert fetch(url, "SELECT count(*) AS n FROM pg_stat_activity")[0]["n"] >= 1
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        fetch(url, "SELECT * FROM catalog.products")
