"""The catalog facade's implementation: a thin read over the repository port."""

from collections.abc import Collection
from uuid import UUID

from modules.catalog.application.ports import ProductRepository
from modules.catalog.facade import ProductInfo


class CatalogFacadeService:
    def __init__(self, products: ProductRepository) -> None:
        self._products = products

    async def get_products(self, product_ids: Collection[UUID]) -> dict[UUID, ProductInfo]:
        return {info.id: info for info in await self._products.infos(product_ids)}

    async def product_ids(self, *, limit: int) -> list[UUID]:
        return await self._products.ids(limit=limit)
