"""What the inventory use cases need from the outside world."""

from collections.abc import Collection, Sequence
from typing import Protocol
from uuid import UUID

from modules.inventory.domain.allocation import Allocation, StockLevel
from modules.inventory.domain.warehouse import Warehouse
from shared_kernel.application.pagination import Page, PageRequest


class WarehouseRepository(Protocol):
    async def add(self, warehouse: Warehouse) -> None:
        """Store a new warehouse; raises Conflict if its name is taken."""
        ...

    async def get(self, warehouse_id: UUID) -> Warehouse | None: ...

    async def list_page(self, page: PageRequest) -> Page[Warehouse]: ...


class StockRepository(Protocol):
    async def set_quantity(self, warehouse_id: UUID, product_id: UUID, quantity: int) -> None: ...

    async def lock_allocated(self, warehouse_id: UUID, product_id: UUID) -> int:
        """Lock the stock row until the transaction ends; the units it has allocated to orders not released."""
        ...

    async def levels_of(self, product_id: UUID) -> list[StockLevel]:
        """Every stock row of one product (including zero quantities), by warehouse id."""
        ...

    async def lock_levels(self, product_ids: Collection[UUID]) -> list[StockLevel]:
        """Lock the non-empty stock rows of these products until the transaction ends.

        Locks are taken in (product_id, warehouse_id) order, so concurrent reservations queue instead of
        deadlocking."""
        ...

    async def take(self, order_ref: UUID, plan: Sequence[Allocation]) -> None:
        """Decrement stock by the (locked) allocations and record them against `order_ref`."""
        ...

    async def give_back(self, order_ref: UUID) -> list[Allocation]:
        """Return `order_ref`'s unreleased allocations to their warehouses, mark them released, list them."""
        ...
