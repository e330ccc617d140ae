"""The OrderingFacade's implementation: ordering's own use cases, their results as published dataclasses."""

import re
from collections.abc import Mapping
from uuid import UUID

from modules.ordering.application.ports import IDEMPOTENCY_KEY_MAX_LENGTH
from modules.ordering.application.use_cases import (
    CancelOrder,
    GetOrder,
    ListOrders,
    PlaceOrder,
    PlaceOrderCommand,
)
from modules.ordering.application.use_cases import IdempotencyKeyReused as KeyReusedForAnotherRequest
from modules.ordering.domain.order import Order, OrderWouldBeEmpty, RequestedLine
from modules.ordering.facade import (
    IdempotencyKeyReused,
    NothingInStock,
    OrderInfo,
    OrderLineInfo,
    OrderListing,
    OutOfStockInfo,
)
from shared_kernel.application.pagination import PageRequest
from shared_kernel.domain.errors import InvalidInput

# What the REST API accepts in its Idempotency-Key header.
_IDEMPOTENCY_KEY = re.compile(rf"[\x20-\x7e]{{1,{IDEMPOTENCY_KEY_MAX_LENGTH}}}")


class OrderingFacadeService:
    def __init__(self, place: PlaceOrder, get: GetOrder, list_page: ListOrders, cancel: CancelOrder) -> None:
        self._place = place
        self._get = get
        self._list = list_page
        self._cancel = cancel

    async def place_order(self, quantities: Mapping[UUID, int], *, idempotency_key: str) -> OrderInfo:
        if not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
            msg = f"the idempotency key must be 1..{IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters"
            raise InvalidInput(msg, field="key")
        lines = [RequestedLine(product_id, quantity) for product_id, quantity in quantities.items()]
        try:  # quantities are checked by the domain (merge_requested): InvalidInput
            placement = await self._place(PlaceOrderCommand(lines=lines, idempotency_key=idempotency_key))
        except OrderWouldBeEmpty as exc:
            raise NothingInStock(exc.detail) from exc
        except KeyReusedForAnotherRequest as exc:
            raise IdempotencyKeyReused(exc.detail) from exc
        return order_info(placement.order)

    async def get_order(self, order_id: UUID) -> OrderInfo:
        return order_info(await self._get(order_id))

    async def list_orders(self, *, limit: int = 20, offset: int = 0) -> OrderListing:
        page = await self._list(PageRequest.checked(limit, offset))
        return OrderListing(
            items=tuple(order_info(order) for order in page.items),
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )

    async def cancel_order(self, order_id: UUID) -> OrderInfo:
        return order_info(await self._cancel(order_id))


def order_info(order: Order) -> OrderInfo:
    return OrderInfo(
        id=order.id,
        status=order.status.value,
        created_at=order.created_at,
        items=tuple(
            OrderLineInfo(
                product_id=line.product_id,
                name=line.name,
                unit_price=line.unit_price,
                requested_quantity=line.requested_quantity,
                quantity=line.quantity,
                line_total=line.line_total,
            )
            for line in order.lines
        ),
        out_of_stock=tuple(OutOfStockInfo(line.product_id, line.requested_quantity) for line in order.out_of_stock),
        total=order.total,
    )
