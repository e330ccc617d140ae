"""ProductRepository over the request's AsyncSession, with Core statements (no ORM identity map)."""

from collections.abc import Collection
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from modules.catalog.domain.product import Product
from modules.catalog.facade import ProductInfo
from modules.catalog.infrastructure.tables import products
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.infrastructure.database import execute_sql

_INFOS = "SELECT id, name, price FROM catalog.products WHERE id = ANY($1::uuid[])"


def _to_product(row: Any) -> Product:
    return Product(
        id=row.id,
        name=row.name,
        description=row.description,
        price=row.price,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "price": product.price,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


class SqlProductRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, product: Product) -> None:
        await self._session.execute(insert(products).values(_values(product)))

    async def get(self, product_id: UUID) -> Product | None:
        row = (await self._session.execute(select(products).where(products.c.id == product_id))).one_or_none()
        return None if row is None else _to_product(row)

    async def save(self, product: Product) -> None:
        await self._session.execute(update(products).where(products.c.id == product.id).values(_values(product)))

    async def list_page(self, page: PageRequest) -> Page[Product]:
        total = (await self._session.execute(select(func.count()).select_from(products))).scalar_one()
        rows = await self._session.execute(
            select(products)
            .order_by(products.c.created_at.desc(), products.c.id.desc())
            .limit(page.limit)
            .offset(page.offset),
        )
        return Page(items=[_to_product(r) for r in rows], total=total, limit=page.limit, offset=page.offset)

    async def infos(self, product_ids: Collection[UUID]) -> list[ProductInfo]:
        # On the order-placement hot path: hand-written SQL (see execute_sql).
        rows = await execute_sql(self._session, _INFOS, list(product_ids))
        return [ProductInfo(id=r["id"], name=r["name"], price=r["price"]) for r in rows]
