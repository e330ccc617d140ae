"""Inventory's published contract: the only thing other modules may import from inventory.

Reserving and releasing work inside the caller's transaction (the request's session) and never commit: the
caller's use case commits them together with its own writes, or rolls everything back.
"""

from collections.abc import Collection, Mapping
from typing import Protocol
from uuid import UUID


class InventoryFacade(Protocol):
    async def reserve(self, order_ref: UUID, quantities: Mapping[UUID, int]) -> dict[UUID, int]:
        """Take stock for `order_ref`: per product, the requested quantity if all warehouses together hold
        enough, else everything they hold (possibly 0). Returns the quantity reserved per requested product."""
        ...

    async def release(self, order_ref: UUID) -> dict[UUID, int]:
        """Put back exactly what `order_ref` took, to the warehouses it came from. Returns the quantity
        returned per product; a second release returns nothing and changes nothing."""
        ...

    async def available_quantities(self, product_ids: Collection[UUID]) -> dict[UUID, int]:
        """Read only, no locks: the quantity all warehouses together hold, for every id in `product_ids`
        (0 for a product held nowhere or unknown to the catalog)."""
        ...
