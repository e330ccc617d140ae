"""The benchmark's reference: PlaceOrder as one flat Litestar handler on SQLAlchemy, with no layers.

`make bench` serves this next to the real app, the same way (serve.py, same workers, same settings, same
JSON access log), and reports app / flat: what the modules, use cases, domain model, facades, middleware and
business events cost per order. It runs the same statements as the app's order-placement path without an
Idempotency-Key (catalog read; lock the stock rows; allocations and decrement; order, lines and
out-of-stock lines; commit) and writes the same rows, so the database's work is identical. It imports
nothing from modules/ on purpose: it is what a reader would write without the architecture, through
SQLAlchemy's ordinary API (text statements on a connection, no driver shortcut), and must not change when
the app does. Whatever the app grows that this lacks (request ids, HTTP and business metrics, the fair
queue, the order_placed log line) is counted in the ratio: that is the point.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from litestar import Litestar, Response, get, post
from litestar.exceptions import HTTPException
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared_kernel.infrastructure.logging import configure_logging
from shared_kernel.infrastructure.settings import Settings, load_settings

CENT = Decimal("0.01")

CATALOG = text("SELECT id, name, price FROM catalog.products WHERE id = ANY(CAST(:ids AS uuid[]))")
LOCK_STOCK = text(
    "SELECT product_id, warehouse_id, quantity FROM inventory.stock"
    " WHERE product_id = ANY(CAST(:ids AS uuid[])) AND quantity > 0"
    " ORDER BY product_id, warehouse_id FOR UPDATE"
)
TAKE_STOCK = text("""
WITH plan AS (
    SELECT * FROM unnest(CAST(:products AS uuid[]), CAST(:warehouses AS uuid[]), CAST(:quantities AS int[]))
        AS plan(product_id, warehouse_id, quantity)
), taken AS (
    UPDATE inventory.stock AS s SET quantity = s.quantity - plan.quantity
    FROM plan WHERE s.product_id = plan.product_id AND s.warehouse_id = plan.warehouse_id
)
INSERT INTO inventory.allocations (order_ref, product_id, warehouse_id, quantity, created_at)
SELECT :order_id, product_id, warehouse_id, quantity, :now FROM plan""")
ADD_ORDER = text("""
WITH new_order AS (
    INSERT INTO ordering.orders (id, status, total, created_at)
    VALUES (:order_id, 'placed', :total, :now)
), lines AS (
    INSERT INTO ordering.order_lines
        (order_id, position, product_id, name, unit_price, requested_quantity, quantity, line_total)
    SELECT :order_id, position - 1, product_id, name, unit_price, requested_quantity, quantity, line_total
    FROM unnest(CAST(:line_products AS uuid[]), CAST(:names AS text[]), CAST(:prices AS numeric[]),
                CAST(:requested AS int[]), CAST(:got AS int[]), CAST(:totals AS numeric[]))
        WITH ORDINALITY AS line(product_id, name, unit_price, requested_quantity, quantity, line_total, position)
)
INSERT INTO ordering.order_out_of_stock (order_id, position, product_id, requested_quantity)
SELECT :order_id, position - 1, product_id, requested_quantity
FROM unnest(CAST(:missing_products AS uuid[]), CAST(:missing_requested AS int[]))
    WITH ORDINALITY AS missing(product_id, requested_quantity, position)""")


class Item(msgspec.Struct):
    product_id: UUID
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]


class Body(msgspec.Struct):
    items: Annotated[list[Item], msgspec.Meta(min_length=1, max_length=100)]


def create_app() -> Litestar:
    settings = load_settings()
    configure_logging(settings)  # the same access log as the app's
    engine = _engine(settings)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    @get("/health/ready")
    async def ready() -> dict[str, str]:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    @post("/api/ordering/orders")
    async def place_order(data: Body) -> Response[dict[str, Any]]:
        requested: dict[UUID, int] = {}
        for item in data.items:
            requested[item.product_id] = requested.get(item.product_id, 0) + item.quantity
        ids = list(requested)
        order_id, now = uuid4(), datetime.now(UTC)
        async with engine.begin() as connection:
            products = {row.id: row for row in await connection.execute(CATALOG, {"ids": ids})}
            unknown = [str(pid) for pid in ids if pid not in products]
            if unknown:
                raise HTTPException(status_code=422, detail=f"unknown products: {', '.join(unknown)}")
            # Take from the warehouse holding the most first, ties by warehouse id (the app's rule).
            levels: dict[UUID, list[tuple[int, UUID]]] = {}
            for row in await connection.execute(LOCK_STOCK, {"ids": ids}):
                levels.setdefault(row.product_id, []).append((row.quantity, row.warehouse_id))
            plan: list[tuple[UUID, UUID, int]] = []
            got = dict.fromkeys(ids, 0)
            for pid, quantity in requested.items():
                for held, warehouse_id in sorted(levels.get(pid, ()), key=lambda level: (-level[0], level[1])):
                    taken = min(quantity - got[pid], held)
                    if taken <= 0:
                        break
                    plan.append((pid, warehouse_id, taken))
                    got[pid] += taken
            if plan:
                await connection.execute(
                    TAKE_STOCK,
                    {"order_id": order_id, "now": now, "products": [p[0] for p in plan],
                     "warehouses": [p[1] for p in plan], "quantities": [p[2] for p in plan]},
                )  # fmt: skip
            lines = [
                {"product_id": pid, "name": products[pid].name, "unit_price": products[pid].price,
                 "requested_quantity": quantity, "quantity": got[pid],
                 "line_total": (products[pid].price * got[pid]).quantize(CENT, ROUND_HALF_UP)}
                for pid, quantity in requested.items() if got[pid]
            ]  # fmt: skip
            missing = [{"product_id": pid, "requested_quantity": q} for pid, q in requested.items() if not got[pid]]
            if not lines:
                raise HTTPException(status_code=409, detail="none of the requested products is in stock")
            total = sum((line["line_total"] for line in lines), Decimal(0)).quantize(CENT, ROUND_HALF_UP)
            await connection.execute(
                ADD_ORDER,
                {"order_id": order_id, "total": total, "now": now,
                 "line_products": [line["product_id"] for line in lines], "names": [line["name"] for line in lines],
                 "prices": [line["unit_price"] for line in lines],
                 "requested": [line["requested_quantity"] for line in lines],
                 "got": [line["quantity"] for line in lines], "totals": [line["line_total"] for line in lines],
                 "missing_products": [m["product_id"] for m in missing],
                 "missing_requested": [m["requested_quantity"] for m in missing]},
            )  # fmt: skip
        body = {"id": order_id, "status": "placed", "created_at": now, "items": lines, "out_of_stock": missing,
                "total": total}  # fmt: skip
        return Response(body, status_code=201, headers={"Location": f"/api/ordering/orders/{order_id}"})

    return Litestar(route_handlers=[ready, place_order], lifespan=[lifespan], logging_config=None)


def _engine(settings: Settings) -> AsyncEngine:
    """The app's pool and connection settings (shared_kernel/infrastructure/database.py), restated."""
    return create_async_engine(
        str(settings.database_url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        connect_args={
            "server_settings": {
                "application_name": "order-service-flat",
                "statement_timeout": str(settings.db_statement_timeout_ms),
            },
        },
    )
