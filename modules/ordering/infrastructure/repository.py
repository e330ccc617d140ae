"""OrderRepository over the request's AsyncSession (SQLAlchemy Core, batched inserts)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import any_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from modules.ordering.application.ports import DuplicateIdempotencyKey
from modules.ordering.domain.order import Order, OrderLine, OrderStatus, OutOfStockLine
from modules.ordering.infrastructure.tables import order_lines, order_out_of_stock, orders
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.infrastructure.database import uuid_array

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
        try:
            await self._session.execute(
                insert(orders).values(
                    id=order.id,
                    status=order.status.value,
                    total=order.total,
                    created_at=order.created_at,
                    idempotency_key=idempotency_key,
                    request_digest=request_digest,
                ),
            )
        except IntegrityError as exc:
            if "uq_orders_idempotency_key" in str(exc.orig):
                raise DuplicateIdempotencyKey from exc
            raise
        await self._session.execute(
            insert(order_lines),
            [
                {
                    "order_id": order.id,
                    "position": position,
                    "product_id": line.product_id,
                    "name": line.name,
                    "unit_price": line.unit_price,
                    "requested_quantity": line.requested_quantity,
                    "quantity": line.quantity,
                    "line_total": line.line_total,
                }
                for position, line in enumerate(order.lines)
            ],
        )
        if order.out_of_stock:
            await self._session.execute(
                insert(order_out_of_stock),
                [
                    {
                        "order_id": order.id,
                        "position": position,
                        "product_id": line.product_id,
                        "requested_quantity": line.requested_quantity,
                    }
                    for position, line in enumerate(order.out_of_stock)
                ],
            )

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
