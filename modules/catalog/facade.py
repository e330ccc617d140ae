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


@dataclass(frozen=True, slots=True)
class ProductListItem:
    """A product as a shop window shows it."""

    id: UUID
    name: str
    description: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class ProductListing:
    items: tuple[ProductListItem, ...]
    total: int  # how many products match, over all pages
    limit: int
    offset: int


SEARCH_MAX_LENGTH = 200


class CatalogFacade(Protocol):
    async def get_products(self, product_ids: Collection[UUID]) -> dict[UUID, ProductInfo]:
        """The products that exist among `product_ids`; absent ids are simply missing from the result."""
        ...

    async def product_ids(self, *, limit: int) -> list[UUID]:
        """The ids of the oldest products, at most `limit` of them (inventory's demo seed stocks these)."""
        ...

    async def list_products(self, *, search: str = "", limit: int = 20, offset: int = 0) -> ProductListing:
        """Products newest first; with `search`, only those whose name or description contains it (case
        ignored). `limit` is 1..100 and `offset` >= 0, else InvalidInput."""
        ...
