"""The catalog facade's implementation: a thin read over the repository port."""

from collections.abc import Collection
from uuid import UUID

from modules.catalog.application.ports import ProductRepository
from modules.catalog.facade import SEARCH_MAX_LENGTH, ProductInfo, ProductListing, ProductListItem
from shared_kernel.application.pagination import PageRequest
from shared_kernel.domain.text import clean_text


class CatalogFacadeService:
    def __init__(self, products: ProductRepository) -> None:
        self._products = products

    async def get_products(self, product_ids: Collection[UUID]) -> dict[UUID, ProductInfo]:
        return {info.id: info for info in await self._products.infos(product_ids)}

    async def product_ids(self, *, limit: int) -> list[UUID]:
        return await self._products.ids(limit=limit)

    async def list_products(self, *, search: str = "", limit: int = 20, offset: int = 0) -> ProductListing:
        page = PageRequest.checked(limit, offset)
        search = clean_text(search, field="search", max_length=SEARCH_MAX_LENGTH, required=False)
        found = await self._products.list_page(page, search=search)
        return ProductListing(
            items=tuple(ProductListItem(p.id, p.name, p.description, p.price) for p in found.items),
            total=found.total,
            limit=found.limit,
            offset=found.offset,
        )
