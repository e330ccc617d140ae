"""The Order aggregate: what a customer asked for, what the warehouses could give, and the money."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from modules.ordering.domain.events import OrderCancelled, OrderPlaced, OrderRefused
from shared_kernel.domain.errors import Conflict, InvalidInput, UnknownReferences
from shared_kernel.domain.events import DomainEvent
from shared_kernel.domain.money import round_money

# An order asks for at most MAX_LINES lines of at most MAX_LINE_QUANTITY units each; lines naming the same
# product are merged, so one product is asked for at most MAX_LINES * MAX_LINE_QUANTITY units.
MAX_LINES = 100
MAX_LINE_QUANTITY = 1_000_000
PRODUCT_NAME_MAX_LENGTH = 200  # a line keeps the catalog's name, which is at most this long
STATUS_MAX_LENGTH = 16


class OrderStatus(StrEnum):
    PLACED = "placed"
    CANCELLED = "cancelled"


class OrderWouldBeEmpty(Conflict):
    """Nothing requested is in stock: an order needs at least one product."""

    def __init__(self) -> None:
        super().__init__("none of the requested products is in stock: an order needs at least one product")
        self.event = OrderRefused("out_of_stock")


class UnknownProducts(UnknownReferences):
    """The request names products the catalog does not know."""

    def __init__(self, product_ids: Sequence[UUID]) -> None:
        references = [str(product_id) for product_id in product_ids]
        super().__init__(f"unknown products: {', '.join(references)}", references=references)
        self.event = OrderRefused("unknown_products")


@dataclass(frozen=True, slots=True)
class RequestedLine:
    product_id: UUID
    quantity: int


@dataclass(frozen=True, slots=True)
class PricedProduct:
    """The catalog's name and price at the moment the order is placed."""

    name: str
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class OrderLine:
    product_id: UUID
    name: str
    unit_price: Decimal
    requested_quantity: int
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return round_money(self.unit_price * self.quantity)

    @property
    def cut_short(self) -> bool:
        return self.quantity < self.requested_quantity


@dataclass(frozen=True, slots=True)
class OutOfStockLine:
    product_id: UUID
    requested_quantity: int


def merge_requested(lines: Iterable[RequestedLine]) -> list[RequestedLine]:
    """One line per product, quantities summed, in the order each product first appears."""
    lines = list(lines)
    if not lines:
        raise InvalidInput("an order needs at least one product", field="items")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"an order has at most {MAX_LINES} lines", field="items")
    merged: dict[UUID, int] = {}
    for line in lines:
        if isinstance(line.quantity, bool) or not 1 <= line.quantity <= MAX_LINE_QUANTITY:
            raise InvalidInput(f"quantity must be from 1 to {MAX_LINE_QUANTITY}", field="quantity")
        merged[line.product_id] = merged.get(line.product_id, 0) + line.quantity
    return [RequestedLine(product_id, quantity) for product_id, quantity in merged.items()]


@dataclass(slots=True)
class Order:
    """Aggregate: an order and its lines. It records OrderPlaced and OrderCancelled in `events`."""

    id: UUID
    status: OrderStatus
    created_at: datetime
    lines: list[OrderLine]
    out_of_stock: list[OutOfStockLine]
    cancelled_at: datetime | None = None
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def place(
        cls,
        *,
        order_id: UUID,
        now: datetime,
        requested: Iterable[RequestedLine],
        products: Mapping[UUID, PricedProduct],
        reserved: Mapping[UUID, int],
    ) -> "Order":
        """Build the order from what was reserved: lines that got nothing go to `out_of_stock`; an order that
        would have no line at all is refused."""
        lines: list[OrderLine] = []
        out_of_stock: list[OutOfStockLine] = []
        for line in requested:
            got = reserved.get(line.product_id, 0)
            if not 0 <= got <= line.quantity:
                msg = f"reserved {got} of product {line.product_id}, requested {line.quantity}"
                raise ValueError(msg)
            if got == 0:
                out_of_stock.append(OutOfStockLine(line.product_id, line.quantity))
                continue
            product = products[line.product_id]
            lines.append(OrderLine(line.product_id, product.name, product.unit_price, line.quantity, got))
        if not lines:
            raise OrderWouldBeEmpty
        order = cls(id=order_id, status=OrderStatus.PLACED, created_at=now, lines=lines, out_of_stock=out_of_stock)
        cut_short = sum(1 for line in lines if line.cut_short)
        order.events.append(OrderPlaced(order_id, len(lines), cut_short, len(out_of_stock), order.total))
        return order

    @property
    def total(self) -> Decimal:
        return round_money(sum((line.line_total for line in self.lines), Decimal(0)))

    def cancel(self, now: datetime) -> bool:
        """Cancel the order; False if it was cancelled already (cancelling is idempotent)."""
        if self.status is OrderStatus.CANCELLED:
            return False
        self.status = OrderStatus.CANCELLED
        self.cancelled_at = now
        self.events.append(OrderCancelled(self.id, len(self.lines), self.total))
        return True
