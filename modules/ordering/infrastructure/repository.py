"""Order and idempotency-key repositories: SQLAlchemy Core statements over ordering's tables, run with `fetch`."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, Column, Insert, Table, Uuid, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from modules.ordering.application.ports import DuplicateIdempotencyKey, IdempotentRequest
from modules.ordering.domain.order import Order, OrderLine, OrderStatus, OutOfStockLine
from modules.ordering.infrastructure.tables import idempotency_keys, order_lines, order_out_of_stock, orders
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.infrastructure.sql import SqlRow, any_of, fetch, page_of, violated_constraint


def _insert_numbered(table: Table, prefix: str, columns: Sequence[Column[Any]]) -> Insert:
    """INSERT INTO `table` the order's rows, given as one array parameter per column (`<prefix>_<column>`),
    numbered from 0 in `position` in the order given."""
    names = [column.name for column in columns]
    arrays = [bindparam(f"{prefix}_{column.name}", type_=ARRAY(column.type)) for column in columns]
    rows = func.unnest(*arrays).table_valued(*names, with_ordinality="position").render_derived(prefix)
    return insert(table).from_select(
        [table.c.order_id, table.c.position, *columns],
        select(bindparam("order_id", type_=Uuid()), rows.c.position - 1, *(rows.c[name] for name in names)),
    )


_LINE = [
    order_lines.c.product_id,
    order_lines.c.name,
    order_lines.c.unit_price,
    order_lines.c.requested_quantity,
    order_lines.c.quantity,
    order_lines.c.line_total,
]
_MISSING = [order_out_of_stock.c.product_id, order_out_of_stock.c.requested_quantity]
_new_order = (
    insert(orders)
    .values(
        id=bindparam("order_id"),
        status=bindparam("new_status"),
        total=bindparam("new_total"),
        created_at=bindparam("new_created_at"),
    )
    .cte("new_order")
)
# The order, its lines and its out-of-stock requests in one statement (order-placement hot path). Foreign
# keys are checked at the end of the statement, when the order row exists.
_ADD_ORDER = _insert_numbered(order_out_of_stock, "missing", _MISSING).add_cte(
    _new_order,
    _insert_numbered(order_lines, "line", _LINE).cte("new_lines"),
)
_GET = select(orders).where(orders.c.id == bindparam("id"))
_GET_FOR_UPDATE = _GET.with_for_update()
_SAVE_STATUS = (
    update(orders)
    .where(orders.c.id == bindparam("order_id"))
    .values(status=bindparam("new_status"), cancelled_at=bindparam("new_cancelled_at"))
)
_COUNT = select(func.count().label("total")).select_from(orders)
_PAGE = page_of(select(orders).order_by(orders.c.created_at.desc(), orders.c.id.desc()))
_LINES_OF = (
    select(order_lines.c.order_id, *_LINE)
    .where(order_lines.c.order_id == any_of("order_ids"))
    .order_by(order_lines.c.position)
)
_MISSING_OF = (
    select(order_out_of_stock)
    .where(order_out_of_stock.c.order_id == any_of("order_ids"))
    .order_by(order_out_of_stock.c.position)
)


class SqlOrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, order: Order) -> None:
        lines, missing = order.lines, order.out_of_stock
        params = {
            "order_id": order.id,
            "new_status": order.status.value,
            "new_total": order.total,
            "new_created_at": order.created_at,
            "line_product_id": [line.product_id for line in lines],
            "line_name": [line.name for line in lines],
            "line_unit_price": [line.unit_price for line in lines],
            "line_requested_quantity": [line.requested_quantity for line in lines],
            "line_quantity": [line.quantity for line in lines],
            "line_line_total": [line.line_total for line in lines],
            "missing_product_id": [line.product_id for line in missing],
            "missing_requested_quantity": [line.requested_quantity for line in missing],
        }
        await fetch(self._session, _ADD_ORDER, params)

    async def get(self, order_id: UUID, *, for_update: bool = False) -> Order | None:
        rows = await fetch(self._session, _GET_FOR_UPDATE if for_update else _GET, {"id": order_id})
        return (await self._assemble(rows))[0] if rows else None

    async def save_status(self, order: Order) -> None:
        params = {"order_id": order.id, "new_status": order.status.value, "new_cancelled_at": order.cancelled_at}
        await fetch(self._session, _SAVE_STATUS, params)

    async def list_page(self, page: PageRequest) -> Page[Order]:
        total = (await fetch(self._session, _COUNT, {}))[0]["total"]
        rows = await fetch(self._session, _PAGE, {"limit": page.limit, "offset": page.offset})
        return Page(items=await self._assemble(rows), total=total, limit=page.limit, offset=page.offset)

    async def _assemble(self, rows: Sequence[SqlRow]) -> list[Order]:
        """Orders from their rows, with every line loaded in two queries whatever the number of orders."""
        ids = {"order_ids": [row["id"] for row in rows]}
        lines: dict[UUID, list[OrderLine]] = {row["id"]: [] for row in rows}
        missing: dict[UUID, list[OutOfStockLine]] = {row["id"]: [] for row in rows}
        for line in await fetch(self._session, _LINES_OF, ids):
            lines[line["order_id"]].append(
                OrderLine(
                    line["product_id"],
                    line["name"],
                    line["unit_price"],
                    line["requested_quantity"],
                    line["quantity"],
                ),
            )
        for line in await fetch(self._session, _MISSING_OF, ids):
            missing[line["order_id"]].append(OutOfStockLine(line["product_id"], line["requested_quantity"]))
        return [
            Order(
                id=row["id"],
                status=OrderStatus(row["status"]),
                created_at=row["created_at"],
                lines=lines[row["id"]],
                out_of_stock=missing[row["id"]],
                cancelled_at=row["cancelled_at"],
            )
            for row in rows
        ]


_FIND_KEY = select(idempotency_keys).where(idempotency_keys.c.key == bindparam("key"))
_ADD_KEY = insert(idempotency_keys)
_KEY_TAKEN = idempotency_keys.primary_key


class SqlIdempotencyKeys:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, key: str) -> IdempotentRequest | None:
        rows = await fetch(self._session, _FIND_KEY, {"key": key})
        return IdempotentRequest(key, rows[0]["request_digest"], rows[0]["order_id"]) if rows else None

    async def add(self, request: IdempotentRequest) -> None:
        values = {"key": request.key, "request_digest": request.digest, "order_id": request.order_id}
        try:
            await fetch(self._session, _ADD_KEY, values)
        except IntegrityError as exc:
            if violated_constraint(exc) == _KEY_TAKEN.name:
                raise DuplicateIdempotencyKey from exc
            raise
