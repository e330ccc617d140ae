"""Fakes of the facades the storefront uses (the catalog's is shared: tests.fakes.FakeCatalog)."""

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from modules.catalog.facade import ProductInfo
from modules.ordering.facade import CANCELLED, PLACED, OrderInfo, OrderLineInfo, OrderListing, OutOfStockInfo
from shared_kernel.domain.errors import NotFound


class FakeInventory:
    """Available quantities only: the storefront never reserves."""

    def __init__(self, available: Mapping[UUID, int] | None = None) -> None:
        self.available = dict(available or {})

    async def reserve(self, order_ref: UUID, quantities: Mapping[UUID, int]) -> dict[UUID, int]:
        raise AssertionError("the storefront reserves through ordering, never directly")

    async def release(self, order_ref: UUID) -> dict[UUID, int]:
        raise AssertionError("the storefront releases through ordering, never directly")

    async def available_quantities(self, product_ids: Collection[UUID]) -> dict[UUID, int]:
        return {pid: self.available.get(pid, 0) for pid in product_ids}


class FakeOrdering:
    """Places orders from a fixed stock, or raises what it was told to; records every call."""

    def __init__(self, catalog: Mapping[UUID, ProductInfo], stock: Mapping[UUID, int] | None = None) -> None:
        self.catalog = catalog
        self.stock = dict(stock or {})
        self.orders: dict[UUID, OrderInfo] = {}
        self.placements: list[tuple[dict[UUID, int], str]] = []
        self.error: Exception | None = None

    async def place_order(self, quantities: Mapping[UUID, int], *, idempotency_key: str) -> OrderInfo:
        self.placements.append((dict(quantities), idempotency_key))
        if self.error:
            raise self.error
        lines, missing = [], []
        for product_id, requested in quantities.items():
            got = min(requested, self.stock.get(product_id, 0))
            if got == 0:
                missing.append(OutOfStockInfo(product_id, requested))
                continue
            price = self.catalog[product_id].price
            lines.append(OrderLineInfo(product_id, self.catalog[product_id].name, price, requested, got, price * got))
        order = OrderInfo(
            id=uuid4(),
            status=PLACED,
            created_at=datetime.now(UTC),
            items=tuple(lines),
            out_of_stock=tuple(missing),
            total=sum((line.line_total for line in lines), Decimal(0)),
        )
        self.orders[order.id] = order
        return order

    async def get_order(self, order_id: UUID) -> OrderInfo:
        if order_id not in self.orders:
            raise NotFound(f"order {order_id} does not exist")
        return self.orders[order_id]

    async def list_orders(self, *, limit: int = 20, offset: int = 0) -> OrderListing:
        newest_first = list(reversed(self.orders.values()))
        return OrderListing(tuple(newest_first[offset : offset + limit]), len(newest_first), limit, offset)

    async def cancel_order(self, order_id: UUID) -> OrderInfo:
        order = await self.get_order(order_id)
        self.orders[order_id] = OrderInfo(
            order.id, CANCELLED, order.created_at, order.items, order.out_of_stock, order.total
        )
        return self.orders[order_id]
