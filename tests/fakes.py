"""In-memory fakes of the ports: use-case tests become one-liners with no I/O."""

from collections.abc import Collection
from types import TracebackType
from typing import Self
from uuid import UUID

from modules.catalog.domain.product import Product
from modules.catalog.facade import ProductInfo
from shared_kernel.application.pagination import Page, PageRequest


class FakeUnitOfWork:
    """Records commits and rollbacks instead of talking to a database."""

    def __init__(self) -> None:
        self.commits = 0
        self.rollbacks = 0
        self._committed_in_block = False

    async def __aenter__(self) -> Self:
        self._committed_in_block = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed_in_block:
            self.rollbacks += 1

    async def commit(self) -> None:
        self.commits += 1
        self._committed_in_block = True


class InMemoryProductRepository:
    def __init__(self, *products: Product) -> None:
        self.products: dict[UUID, Product] = {p.id: p for p in products}

    async def add(self, product: Product) -> None:
        self.products[product.id] = product

    async def get(self, product_id: UUID) -> Product | None:
        return self.products.get(product_id)

    async def save(self, product: Product) -> None:
        self.products[product.id] = product

    async def list_page(self, page: PageRequest) -> Page[Product]:
        ordered = sorted(self.products.values(), key=lambda p: (p.created_at, p.id), reverse=True)
        items = ordered[page.offset : page.offset + page.limit]
        return Page(items=items, total=len(ordered), limit=page.limit, offset=page.offset)

    async def infos(self, product_ids: Collection[UUID]) -> list[ProductInfo]:
        return [
            ProductInfo(id=p.id, name=p.name, price=p.price) for pid in product_ids if (p := self.products.get(pid))
        ]
