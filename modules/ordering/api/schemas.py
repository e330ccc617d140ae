"""Request and response bodies of the ordering API."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from modules.ordering.application.facade import order_info
from modules.ordering.domain.order import MAX_LINE_QUANTITY, MAX_LINES, Order, OrderStatus
from shared_kernel.api.pagination import PageMeta
from shared_kernel.api.types import MoneyOut


class OrderItemIn(msgspec.Struct):
    product_id: UUID
    quantity: Annotated[int, msgspec.Meta(ge=1, le=MAX_LINE_QUANTITY)]


class PlaceOrderBody(msgspec.Struct):
    # An empty list is refused here (400): an order needs at least one product.
    items: Annotated[list[OrderItemIn], msgspec.Meta(min_length=1, max_length=MAX_LINES)]


class OrderItemOut(msgspec.Struct):
    product_id: UUID
    name: str
    unit_price: MoneyOut
    requested_quantity: int
    quantity: int
    line_total: MoneyOut


class OutOfStockOut(msgspec.Struct):
    product_id: UUID
    requested_quantity: int


class OrderOut(msgspec.Struct):
    id: UUID
    status: OrderStatus
    created_at: datetime
    items: list[OrderItemOut]
    out_of_stock: list[OutOfStockOut]
    total: MoneyOut

    @classmethod
    def of(cls, order: Order) -> "OrderOut":
        # The published OrderInfo has this very shape: one translation of an order, not two.
        return msgspec.convert(order_info(order), cls, from_attributes=True)


class OrderPage(PageMeta):
    items: list[OrderOut]
