"""What the catalog use cases need from the outside world."""

from collections.abc import Collection
from typing import Protocol
from uuid import UUID

from modules.catalog.domain.product import Product
from modules.catalog.facade import ProductInfo
from shared_kernel.application.pagination import Page, PageRequest


class ProductRepository(Protocol):
    async def add(self, product: Product) -> None: ...

    async def get(self, product_id: UUID) -> Product | None: ...

    async def save(self, product: Product) -> None: ...

    async def list_page(self, page: PageRequest, *, search: str = "") -> Page[Product]:
        """Newest first; a non-empty `search` keeps the products whose name or description contains it."""
        ...

    async def infos(self, product_ids: Collection[UUID]) -> list[ProductInfo]:
        """Name and price of the existing products among `product_ids` (a narrow read for other modules)."""
        ...

    async def ids(self, *, limit: int) -> list[UUID]:
        """The ids of the oldest products, at most `limit`."""
        ...
