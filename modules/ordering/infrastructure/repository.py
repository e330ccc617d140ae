"""OrderRepository over the request's AsyncSession (SQLAlchemy Core, batched inserts)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import any_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from modules.ordering.application.ports import DuplicateIdempotencyKey
from modules.ordering.domain.order import Order, OrderLine, OrderStatus, OutOfStockLine
from modules.ordering.infrastructure.tables import order_lines, order_out_of_stock, orders
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.infrastructure.database import execute_sql, uuid_array

# The order, its lines and its out-of-stock requests in one statement (order-placement hot path; see
# execute_sql). Foreign keys are checked at the end of the statement, when the order row exists.
_ADD_ORDER = """
WITH new_order AS (
    INSERT INTO ordering.orders (id, status, total, created_at, idempotency_key, request_digest)
    VALUES ($1, $2, $3, $4, $5, $6)
), lines AS (
    INSERT INTO ordering.order_lines
        (order_id, position, product_id, name, unit_price, requested_quantity, quantity, line_total)
    SELECT $1, position - 1, product_id, name, unit_price, requested_quantity, quantity, line_total
    FROM unnest($7::uuid[], $8::text[], $9::numeric[], $10::int[], $11::int[], $12::numeric[])
        WITH ORDINALITY AS line(product_id, name, unit_price, requested_quantity, quantity, line_total, position)
)
INSERT INTO ordering.order_out_of_stock (order_id, position, product_id, requested_quantity)
SELECT $1, position - 1, product_id, requested_quantity
FROM unnest($13::uuid[], $14::int[]) WITH ORDINALITY AS missing(product_id, requested_quantity, position)"""

_LINE_COLUMNS = (
    order_lines.c.order_id,
    order_lines.c.product_id,
    order_lines.c.name,
    order_lines.c.unit_price,
    order_lines.c.requested_quantity,
    order_lines.c.quantity,
)


class SqlOrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, order: Order, *, idempotency_key: str | None, request_digest: str | None) -> None:
        lines, missing = order.lines, order.out_of_stock
        try:
            await execute_sql(
                self._session,
                _ADD_ORDER,
                order.id,
                order.status.value,
                order.total,
                order.created_at,
                idempotency_key,
                request_digest,
                [line.product_id for line in lines],
                [line.name for line in lines],
                [line.unit_price for line in lines],
                [line.requested_quantity for line in lines],
                [line.quantity for line in lines],
                [line.line_total for line in lines],
                [line.product_id for line in missing],
                [line.requested_quantity for line in missing],
            )
        except IntegrityError as exc:
            if "uq_orders_idempotency_key" in str(exc.orig):
                raise DuplicateIdempotencyKey from exc
            raise

    async def get(self, order_id: UUID, *, for_update: bool = False) -> Order | None:
        query = select(orders).where(orders.c.id == order_id)
        row = (await self._session.execute(query.with_for_update() if for_update else query)).one_or_none()
        if row is None:
            return None
        return (await self._assemble([row]))[0]

    async def find_by_idempotency_key(self, key: str) -> tuple[Order, str] | None:
        row = (await self._session.execute(select(orders).where(orders.c.idempotency_key == key))).one_or_none()
        if row is None:
            return None
        return (await self._assemble([row]))[0], row.request_digest

    async def save_status(self, order: Order) -> None:
        cancelled_at = datetime.now(UTC) if order.status is OrderStatus.CANCELLED else None
        await self._session.execute(
            update(orders).where(orders.c.id == order.id).values(status=order.status.value, cancelled_at=cancelled_at),
        )

    async def list_page(self, page: PageRequest) -> Page[Order]:
        total = (await self._session.execute(select(func.count()).select_from(orders))).scalar_one()
        rows = (
            await self._session.execute(
                select(orders)
                .order_by(orders.c.created_at.desc(), orders.c.id.desc())
                .limit(page.limit)
                .offset(page.offset),
            )
        ).all()
        return Page(items=await self._assemble(rows), total=total, limit=page.limit, offset=page.offset)

    async def _assemble(self, rows: Sequence[Any]) -> list[Order]:
        """Orders from their rows, with every line loaded in two queries whatever the number of orders."""
        if not rows:
            return []
        ids = uuid_array(row.id for row in rows)
        lines: dict[UUID, list[OrderLine]] = {row.id: [] for row in rows}
        missing: dict[UUID, list[OutOfStockLine]] = {row.id: [] for row in rows}
        for line in await self._session.execute(
            select(*_LINE_COLUMNS).where(order_lines.c.order_id == any_(ids)).order_by(order_lines.c.position),
        ):
            lines[line.order_id].append(
                OrderLine(line.product_id, line.name, line.unit_price, line.requested_quantity, line.quantity),
            )
        for line in await self._session.execute(
            select(order_out_of_stock)
            .where(order_out_of_stock.c.order_id == any_(ids))
            .order_by(order_out_of_stock.c.position),
        ):
            missing[line.order_id].append(OutOfStockLine(line.product_id, line.requested_quantity))
        return [
            Order(
                id=row.id,
                status=OrderStatus(row.status),
                created_at=row.created_at,
                lines=lines[row.id],
                out_of_stock=missing[row.id],
            )
            for row in rows
        ]
