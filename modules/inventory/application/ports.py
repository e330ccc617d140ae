"""What the inventory use cases need from the outside world."""

from collections.abc import Collection
from typing import Protocol
from uuid import UUID

from modules.inventory.domain.stock import OrderAllocations, Stock, StockLevel
from modules.inventory.domain.warehouse import Warehouse
from shared_kernel.application.pagination import Page, PageRequest


class WarehouseRepository(Protocol):
    async def add(self, warehouse: Warehouse) -> None:
        """Store a new warehouse; raises Conflict if its name is taken."""
        ...

    async def get(self, warehouse_id: UUID) -> Warehouse | None: ...

    async def list_page(self, page: PageRequest) -> Page[Warehouse]: ...


class StockRepository(Protocol):
    async def set_quantity(self, level: StockLevel) -> None: ...

    async def levels_of(self, product_id: UUID) -> list[StockLevel]:
        """Every stock row of one product (including zero quantities), by warehouse id."""
        ...

    async def available(self, product_ids: Collection[UUID]) -> dict[UUID, int]:
        """Quantity on hand summed over warehouses, per product that has any stock row (no locks)."""
        ...

    async def lock(self, product_ids: Collection[UUID], *, including_empty: bool = False) -> Stock:
        """The stock of these products (only the non-empty levels unless `including_empty`), its rows locked
        until the transaction ends. Locks are taken in (product_id, warehouse_id) order, so concurrent
        reservations and releases queue instead of deadlocking."""
        ...

    async def add_reservation(self, stock: Stock, reservation: OrderAllocations) -> None:
        """Store the levels `stock` changed and record the reservation's allocations."""
        ...

    async def reservation_of(self, order_ref: UUID) -> OrderAllocations | None:
        """What `order_ref` took, its rows locked until the transaction ends (a concurrent release waits)."""
        ...

    async def save_release(self, stock: Stock, reservation: OrderAllocations) -> None:
        """Store the levels `stock` changed and when the reservation was released."""
        ...
