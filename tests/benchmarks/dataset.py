"""The benchmark's database: built once per run, reset before every cell, checked after it."""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import asyncpg

WAREHOUSES = 5
INITIAL_STOCK = 1_000_000  # per product and warehouse: no cell can run out
IDLE_TIMEOUT_SECONDS = 30


async def seed(url: str, products: int, ids: list[UUID] | None = None) -> list[UUID]:
    """Products (new ones, or `ids`: the same as another bench database's), warehouses and stock, written with
    COPY; returns the product ids in bench order."""
    connection = await asyncpg.connect(url)
    try:
        now = datetime.now(UTC)
        ids = ids or [uuid4() for _ in range(products)]
        await connection.copy_records_to_table(
            "products",
            schema_name="catalog",
            columns=["id", "name", "description", "price", "created_at", "updated_at"],
            records=[
                (pid, f"Bench product {n}", "", Decimal(f"{1 + n % 500}.{n % 100:02d}"), now, now)
                for n, pid in enumerate(ids, start=1)
            ],
        )
        warehouses = [uuid4() for _ in range(WAREHOUSES)]
        await connection.copy_records_to_table(
            "warehouses",
            schema_name="inventory",
            columns=["id", "name", "address", "created_at"],
            records=[(w, f"Bench warehouse {n}", "", now) for n, w in enumerate(warehouses, start=1)],
        )
        await connection.copy_records_to_table(
            "stock",
            schema_name="inventory",
            columns=["product_id", "warehouse_id", "quantity"],
            records=[(p, w, INITIAL_STOCK) for p in ids for w in warehouses],
        )
        # pgbench picks products by number: n -> id.
        await connection.execute("CREATE SCHEMA bench; CREATE TABLE bench.products (n int PRIMARY KEY, id uuid)")
        await connection.copy_records_to_table("products", schema_name="bench", records=list(enumerate(ids, 1)))
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return ids


async def _wait_until_idle(connection: asyncpg.Connection) -> None:
    """Requests that the end of a wrk run cut off are still being finished by the servers: wait for their
    transactions, so that none is counted half or runs into the next cell's TRUNCATE."""
    deadline = asyncio.get_running_loop().time() + IDLE_TIMEOUT_SECONDS
    while await connection.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend' AND state <> 'idle'"
    ):
        if asyncio.get_running_loop().time() > deadline:
            msg = f"transactions still running {IDLE_TIMEOUT_SECONDS} s after the load stopped"
            raise RuntimeError(msg)
        await asyncio.sleep(0.05)


async def reset(url: str) -> None:
    """Forget every order and refill the stock, so each cell starts from the same state."""
    connection = await asyncpg.connect(url)
    try:
        await _wait_until_idle(connection)
        await connection.execute(
            "TRUNCATE ordering.orders, ordering.order_lines, ordering.order_out_of_stock, inventory.allocations"
            " CASCADE",  # and the idempotency keys that reference the orders
        )
        await connection.execute("UPDATE inventory.stock SET quantity = $1 WHERE quantity <> $1", INITIAL_STOCK)
        await connection.execute("VACUUM ANALYZE inventory.stock")
    finally:
        await connection.close()


async def invariants_hold(url: str) -> tuple[bool, str]:
    """No negative stock; per product, placed quantities plus what is left equal the initial stock."""
    connection = await asyncpg.connect(url)
    try:
        await _wait_until_idle(connection)
        negative = await connection.fetchval("SELECT count(*) FROM inventory.stock WHERE quantity < 0")
        broken = await connection.fetchval(
            """
            WITH placed AS (
                SELECT l.product_id, sum(l.quantity) AS quantity
                FROM ordering.order_lines l JOIN ordering.orders o ON o.id = l.order_id
                WHERE o.status = 'placed' GROUP BY l.product_id),
            left_over AS (SELECT product_id, sum(quantity) AS quantity FROM inventory.stock GROUP BY product_id)
            SELECT count(*) FROM left_over LEFT JOIN placed USING (product_id)
            WHERE left_over.quantity + coalesce(placed.quantity, 0) <> $1
            """,
            INITIAL_STOCK * WAREHOUSES,
        )
        orders = await connection.fetchval("SELECT count(*) FROM ordering.orders")
    finally:
        await connection.close()
    if negative or broken:
        return False, f"{negative} negative stock rows, {broken} products off balance"
    return True, f"{orders} orders"
