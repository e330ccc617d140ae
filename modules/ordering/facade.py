"""Ordering's published contract: the only thing other modules may import from ordering.

Every operation runs in the caller's request session; placing and cancelling commit their own transaction
(they are ordering's use cases), reads commit nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from shared_kernel.domain.errors import Conflict

MAX_LINE_QUANTITY = 1_000_000  # units of one product in one order
PLACED, CANCELLED = "placed", "cancelled"


@dataclass(frozen=True, slots=True)
class OrderLineInfo:
    product_id: UUID
    name: str  # the catalog's name and price when the order was placed
    unit_price: Decimal
    requested_quantity: int
    quantity: int  # what the warehouses gave: 1..requested_quantity
    line_total: Decimal


@dataclass(frozen=True, slots=True)
class OutOfStockInfo:
    """A requested product the warehouses had none of: it is not part of the order."""

    product_id: UUID
    requested_quantity: int


@dataclass(frozen=True, slots=True)
class OrderInfo:
    id: UUID
    status: str  # PLACED or CANCELLED
    created_at: datetime
    items: tuple[OrderLineInfo, ...]  # in the order they were requested
    out_of_stock: tuple[OutOfStockInfo, ...]
    total: Decimal


@dataclass(frozen=True, slots=True)
class OrderListing:
    items: tuple[OrderInfo, ...]
    total: int  # how many orders there are, over all pages
    limit: int
    offset: int


class NothingInStock(Conflict):
    """None of the requested products is in stock: no order was made."""


class IdempotencyKeyReused(Conflict):
    """The idempotency key placed an order for different quantities before."""


class OrderingFacade(Protocol):
    async def place_order(self, quantities: Mapping[UUID, int], *, idempotency_key: str) -> OrderInfo:
        """Place an order for `quantities` (product -> 1..MAX_LINE_QUANTITY), cut short to what is in stock.

        Placing again with the same key and quantities returns the same order and takes no more stock.
        Raises UnknownReferences (listing the unknown product ids), NothingInStock, IdempotencyKeyReused, or
        InvalidInput (no products, a quantity out of range, a key that is not 1..200 printable ASCII
        characters); then nothing changed."""
        ...

    async def get_order(self, order_id: UUID) -> OrderInfo:
        """The order; NotFound if there is none."""
        ...

    async def list_orders(self, *, limit: int = 20, offset: int = 0) -> OrderListing:
        """Orders newest first; `limit` is 1..100 and `offset` >= 0, else InvalidInput."""
        ...

    async def cancel_order(self, order_id: UUID) -> OrderInfo:
        """Cancel the order and put its stock back; cancelling a cancelled order changes nothing. NotFound if
        there is none."""
        ...
