"""Warehouse and stock repositories over the request's AsyncSession (SQLAlchemy Core, batched writes)."""

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from modules.inventory.domain.allocation import Allocation, StockLevel
from modules.inventory.domain.warehouse import Warehouse
from modules.inventory.infrastructure.tables import allocations, stock, warehouses
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.domain.errors import Conflict
from shared_kernel.infrastructure.database import execute_sql


def _to_warehouse(row: Any) -> Warehouse:
    return Warehouse(id=row.id, name=row.name, address=row.address, created_at=row.created_at)


class SqlWarehouseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, warehouse: Warehouse) -> None:
        values = {
            "id": warehouse.id,
            "name": warehouse.name,
            "address": warehouse.address,
            "created_at": warehouse.created_at,
        }
        try:
            await self._session.execute(insert(warehouses).values(values))
        except IntegrityError as exc:
            if "uq_warehouses_name" in str(exc.orig):
                raise Conflict(f"a warehouse named {warehouse.name!r} exists already") from exc
            raise

    async def get(self, warehouse_id: UUID) -> Warehouse | None:
        row = (await self._session.execute(select(warehouses).where(warehouses.c.id == warehouse_id))).one_or_none()
        return None if row is None else _to_warehouse(row)

    async def list_page(self, page: PageRequest) -> Page[Warehouse]:
        total = (await self._session.execute(select(func.count()).select_from(warehouses))).scalar_one()
        rows = await self._session.execute(
            select(warehouses)
            .order_by(warehouses.c.created_at.desc(), warehouses.c.id.desc())
            .limit(page.limit)
            .offset(page.offset),
        )
        return Page(items=[_to_warehouse(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


# The reservation hot path is hand-written SQL (see execute_sql): one statement per step, arrays for rows.
_LOCK_LEVELS = """
SELECT product_id, warehouse_id, quantity FROM inventory.stock
WHERE product_id = ANY($1::uuid[]) AND quantity > 0
ORDER BY product_id, warehouse_id
FOR UPDATE"""

_TAKE = """
WITH plan AS (
    SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::int[]) AS plan(product_id, warehouse_id, quantity)
), taken AS (
    UPDATE inventory.stock AS s SET quantity = s.quantity - plan.quantity
    FROM plan WHERE s.product_id = plan.product_id AND s.warehouse_id = plan.warehouse_id
)
INSERT INTO inventory.allocations (order_ref, product_id, warehouse_id, quantity, created_at)
SELECT $1, product_id, warehouse_id, quantity, $5 FROM plan"""

# Executed with a list of parameter sets: one statement, one round trip for all rows.
_ADD_TO_STOCK = (
    update(stock)
    .where(stock.c.product_id == bindparam("b_product_id"), stock.c.warehouse_id == bindparam("b_warehouse_id"))
    .values(quantity=stock.c.quantity + bindparam("b_delta"))
)


class SqlStockRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set_quantity(self, warehouse_id: UUID, product_id: UUID, quantity: int) -> None:
        upsert = pg_insert(stock).values(product_id=product_id, warehouse_id=warehouse_id, quantity=quantity)
        await self._session.execute(
            upsert.on_conflict_do_update(
                index_elements=[stock.c.product_id, stock.c.warehouse_id],
                set_={
                    "quantity": upsert.excluded.quantity,
                },
            ),
        )

    async def lock_allocated(self, warehouse_id: UUID, product_id: UUID) -> int:
        row = (stock.c.warehouse_id == warehouse_id) & (stock.c.product_id == product_id)
        await self._session.execute(select(stock.c.quantity).where(row).with_for_update())
        allocated = await self._session.scalar(
            select(func.coalesce(func.sum(allocations.c.quantity), 0)).where(
                allocations.c.warehouse_id == warehouse_id,
                allocations.c.product_id == product_id,
                allocations.c.released_at.is_(None),
            ),
        )
        return int(allocated or 0)

    async def levels_of(self, product_id: UUID) -> list[StockLevel]:
        rows = await self._session.execute(
            select(stock.c.product_id, stock.c.warehouse_id, stock.c.quantity)
            .where(stock.c.product_id == product_id)
            .order_by(stock.c.warehouse_id),
        )
        return [StockLevel(r.product_id, r.warehouse_id, r.quantity) for r in rows]

    async def lock_levels(self, product_ids: Collection[UUID]) -> list[StockLevel]:
        rows = await execute_sql(self._session, _LOCK_LEVELS, list(product_ids))
        return [StockLevel(r["product_id"], r["warehouse_id"], r["quantity"]) for r in rows]

    async def take(self, order_ref: UUID, plan: Sequence[Allocation]) -> None:
        await execute_sql(
            self._session,
            _TAKE,
            order_ref,
            [a.product_id for a in plan],
            [a.warehouse_id for a in plan],
            [a.quantity for a in plan],
            datetime.now(UTC),
        )

    async def give_back(self, order_ref: UUID) -> list[Allocation]:
        # Marking the allocations released first makes a concurrent second release wait here, then find none.
        released = (
            await self._session.execute(
                update(allocations)
                .where(allocations.c.order_ref == order_ref, allocations.c.released_at.is_(None))
                .values(released_at=func.now())
                .returning(allocations.c.product_id, allocations.c.warehouse_id, allocations.c.quantity),
            )
        ).all()
        if not released:
            return []
        plan = sorted(
            (Allocation(r.product_id, r.warehouse_id, r.quantity) for r in released),
            key=lambda a: (a.product_id, a.warehouse_id),
        )
        # Same lock order as reservations, so a release never deadlocks with them.
        keys = [(a.product_id, a.warehouse_id) for a in plan]
        await self._session.execute(
            select(stock.c.product_id)
            .where(tuple_(stock.c.product_id, stock.c.warehouse_id).in_(keys))
            .order_by(stock.c.product_id, stock.c.warehouse_id)
            .with_for_update(),
        )
        await self._session.execute(
            _ADD_TO_STOCK,
            [{"b_product_id": a.product_id, "b_warehouse_id": a.warehouse_id, "b_delta": a.quantity} for a in plan],
        )
        return plan
