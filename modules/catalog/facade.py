"""Catalog's published contract: the only thing other modules may import from catalog."""

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ProductInfo:
    """What other modules may know about a product: its name and current price."""

    id: UUID
    name: str
    price: Decimal


class CatalogFacade(Protocol):
    async def get_products(self, product_ids: Collection[UUID]) -> dict[UUID, ProductInfo]:
        """The products that exist among `product_ids`; absent ids are simply missing from the result."""
        ...

    async def product_ids(self, *, limit: int) -> list[UUID]:
        """The ids of the oldest products, at most `limit` of them (inventory's demo seed stocks these)."""
        ...
