"""Warehouse and stock repositories: SQLAlchemy Core statements over inventory's tables, run with `fetch`.

Rows go in and out as arrays (unnest), so every step of a reservation or a release is one statement.
"""

from collections.abc import Collection, Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, Integer, TableValuedAlias, Uuid, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from modules.inventory.domain.stock import Allocation, OrderAllocations, Stock, StockLevel
from modules.inventory.domain.warehouse import Warehouse
from modules.inventory.infrastructure.tables import allocations, stock, warehouse_name_unique, warehouses
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.domain.errors import Conflict
from shared_kernel.infrastructure.sql import SqlRow, any_of, fetch, page_of, violated_constraint

_ADD_WAREHOUSE = insert(warehouses)
_GET_WAREHOUSE = select(warehouses).where(warehouses.c.id == bindparam("id"))
_COUNT_WAREHOUSES = select(func.count().label("total")).select_from(warehouses)
_WAREHOUSE_PAGE = page_of(select(warehouses).order_by(warehouses.c.created_at.desc(), warehouses.c.id.desc()))


def _to_warehouse(row: SqlRow) -> Warehouse:
    return Warehouse(id=row["id"], name=row["name"], address=row["address"], created_at=row["created_at"])


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
            await fetch(self._session, _ADD_WAREHOUSE, values)
        except IntegrityError as exc:
            if violated_constraint(exc) == warehouse_name_unique.name:
                raise Conflict(f"a warehouse named {warehouse.name!r} exists already") from exc
            raise

    async def get(self, warehouse_id: UUID) -> Warehouse | None:
        rows = await fetch(self._session, _GET_WAREHOUSE, {"id": warehouse_id})
        return _to_warehouse(rows[0]) if rows else None

    async def list_page(self, page: PageRequest) -> Page[Warehouse]:
        total = (await fetch(self._session, _COUNT_WAREHOUSES, {}))[0]["total"]
        rows = await fetch(self._session, _WAREHOUSE_PAGE, {"limit": page.limit, "offset": page.offset})
        return Page(items=[_to_warehouse(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


_LEVEL_COLUMNS = (stock.c.product_id, stock.c.warehouse_id, stock.c.quantity)


def _rows(prefix: str) -> TableValuedAlias:
    """(product_id, warehouse_id, quantity) rows given as three array parameters named `<prefix>_...`."""
    return (
        func.unnest(
            bindparam(f"{prefix}_product_ids", type_=ARRAY(Uuid())),
            bindparam(f"{prefix}_warehouse_ids", type_=ARRAY(Uuid())),
            bindparam(f"{prefix}_quantities", type_=ARRAY(Integer())),
        )
        .table_valued(*(column.name for column in _LEVEL_COLUMNS))
        .render_derived(prefix)
    )


def _row_params(prefix: str, rows: Iterable[StockLevel | Allocation]) -> dict[str, list[Any]]:
    rows = list(rows)
    return {
        f"{prefix}_product_ids": [r.product_id for r in rows],
        f"{prefix}_warehouse_ids": [r.warehouse_id for r in rows],
        f"{prefix}_quantities": [r.quantity for r in rows],
    }


_LEVELS_OF = select(*_LEVEL_COLUMNS).where(stock.c.product_id == bindparam("product_id")).order_by(stock.c.warehouse_id)
_AVAILABLE = (
    select(stock.c.product_id, func.sum(stock.c.quantity).label("available"))
    .where(stock.c.product_id == any_of("product_ids"))
    .group_by(stock.c.product_id)
)
_LOCK_ALL = (
    select(*_LEVEL_COLUMNS)
    .where(stock.c.product_id == any_of("product_ids"))
    .order_by(stock.c.product_id, stock.c.warehouse_id)
    .with_for_update()
)
_LOCK_AVAILABLE = _LOCK_ALL.where(stock.c.quantity > 0)
_upsert = pg_insert(stock)
_SET_QUANTITY = _upsert.on_conflict_do_update(
    index_elements=[stock.c.product_id, stock.c.warehouse_id],
    set_={stock.c.quantity: _upsert.excluded.quantity},
)

_levels = _rows("level")
_STORE_LEVELS = (
    update(stock)
    .values(quantity=_levels.c.quantity)
    .where(stock.c.product_id == _levels.c.product_id, stock.c.warehouse_id == _levels.c.warehouse_id)
)
_taken = _rows("taken")
# The changed levels and the allocations in one statement: the reservation's single write.
_ADD_RESERVATION = (
    insert(allocations)
    .from_select(
        [
            allocations.c.order_ref,
            allocations.c.product_id,
            allocations.c.warehouse_id,
            allocations.c.quantity,
            allocations.c.created_at,
        ],
        select(
            bindparam("order_ref", type_=Uuid()),
            _taken.c.product_id,
            _taken.c.warehouse_id,
            _taken.c.quantity,
            bindparam("reserved_at", type_=DateTime(timezone=True)),
        ),
    )
    .add_cte(_STORE_LEVELS.cte("stored"))
)
_RESERVATION_OF = (
    select(allocations)
    .where(allocations.c.order_ref == bindparam("order_ref"))
    .order_by(allocations.c.product_id, allocations.c.warehouse_id)
    .with_for_update()
)
_SAVE_RELEASE = _STORE_LEVELS.add_cte(
    update(allocations)
    .where(allocations.c.order_ref == bindparam("order_ref"))
    .values(released_at=bindparam("released_at", type_=DateTime(timezone=True)))
    .cte("released"),
)


def _to_level(row: SqlRow) -> StockLevel:
    return StockLevel(row["product_id"], row["warehouse_id"], row["quantity"])


class SqlStockRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set_quantity(self, level: StockLevel) -> None:
        values = {"product_id": level.product_id, "warehouse_id": level.warehouse_id, "quantity": level.quantity}
        await fetch(self._session, _SET_QUANTITY, values)

    async def levels_of(self, product_id: UUID) -> list[StockLevel]:
        return [_to_level(r) for r in await fetch(self._session, _LEVELS_OF, {"product_id": product_id})]

    async def available(self, product_ids: Collection[UUID]) -> dict[UUID, int]:
        rows = await fetch(self._session, _AVAILABLE, {"product_ids": list(product_ids)})
        return {r["product_id"]: int(r["available"]) for r in rows}

    async def lock(self, product_ids: Collection[UUID], *, including_empty: bool = False) -> Stock:
        query = _LOCK_ALL if including_empty else _LOCK_AVAILABLE
        return Stock.of(_to_level(r) for r in await fetch(self._session, query, {"product_ids": list(product_ids)}))

    async def add_reservation(self, stock: Stock, reservation: OrderAllocations) -> None:
        params = {
            "order_ref": reservation.order_ref,
            "reserved_at": reservation.reserved_at,
            **_row_params("taken", reservation.allocations),
            **_row_params("level", stock.changed_levels()),
        }
        await fetch(self._session, _ADD_RESERVATION, params)

    async def reservation_of(self, order_ref: UUID) -> OrderAllocations | None:
        rows = await fetch(self._session, _RESERVATION_OF, {"order_ref": order_ref})
        if not rows:
            return None
        return OrderAllocations(
            order_ref=order_ref,
            allocations=[Allocation(r["product_id"], r["warehouse_id"], r["quantity"]) for r in rows],
            reserved_at=min(r["created_at"] for r in rows),
            released_at=rows[0]["released_at"],
        )

    async def save_release(self, stock: Stock, reservation: OrderAllocations) -> None:
        params = {
            "order_ref": reservation.order_ref,
            "released_at": reservation.released_at,
            **_row_params("level", stock.changed_levels()),
        }
        await fetch(self._session, _SAVE_RELEASE, params)
