"""ProductRepository: SQLAlchemy Core statements over catalog's tables, run with `fetch`."""

from collections.abc import Collection
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from modules.catalog.domain.product import Product
from modules.catalog.facade import ProductInfo
from modules.catalog.infrastructure.tables import products
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.infrastructure.sql import SqlRow, any_of, fetch, page_of

_ADD = insert(products)
_GET = select(products).where(products.c.id == bindparam("id"))
_SAVE = (
    update(products)
    .where(products.c.id == bindparam("product_id"))
    .values(
        name=bindparam("new_name"),
        description=bindparam("new_description"),
        price=bindparam("new_price"),
        updated_at=bindparam("new_updated_at"),
    )
)
_COUNT = select(func.count().label("total")).select_from(products)
_NEWEST_FIRST = select(products).order_by(products.c.created_at.desc(), products.c.id.desc())
_PAGE = page_of(_NEWEST_FIRST)
# Name or description matching the LIKE `pattern` (see _pattern), case ignored.
_MATCHING = or_(
    products.c.name.ilike(bindparam("pattern"), escape="\\"),
    products.c.description.ilike(bindparam("pattern"), escape="\\"),
)
_SEARCH_COUNT = _COUNT.where(_MATCHING)
_SEARCH_PAGE = page_of(_NEWEST_FIRST.where(_MATCHING))
_INFOS = select(products.c.id, products.c.name, products.c.price).where(products.c.id == any_of("ids"))
_IDS = select(products.c.id).order_by(products.c.created_at, products.c.id).limit(bindparam("limit"))


def _pattern(search: str) -> str:
    """`search` anywhere in the text; LIKE's wildcards in it are taken literally."""
    return "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _to_product(row: SqlRow) -> Product:
    return Product(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        price=row["price"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
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
        await fetch(self._session, _ADD, _values(product))

    async def get(self, product_id: UUID) -> Product | None:
        rows = await fetch(self._session, _GET, {"id": product_id})
        return _to_product(rows[0]) if rows else None

    async def save(self, product: Product) -> None:
        changes = {
            "product_id": product.id,
            "new_name": product.name,
            "new_description": product.description,
            "new_price": product.price,
            "new_updated_at": product.updated_at,
        }
        await fetch(self._session, _SAVE, changes)

    async def list_page(self, page: PageRequest, *, search: str = "") -> Page[Product]:
        count, listing = (_SEARCH_COUNT, _SEARCH_PAGE) if search else (_COUNT, _PAGE)
        matching = {"pattern": _pattern(search)} if search else {}
        total = (await fetch(self._session, count, matching))[0]["total"]
        rows = await fetch(self._session, listing, {**matching, "limit": page.limit, "offset": page.offset})
        return Page(items=[_to_product(r) for r in rows], total=total, limit=page.limit, offset=page.offset)

    async def infos(self, product_ids: Collection[UUID]) -> list[ProductInfo]:
        rows = await fetch(self._session, _INFOS, {"ids": list(product_ids)})
        return [ProductInfo(id=r["id"], name=r["name"], price=r["price"]) for r in rows]

    async def ids(self, *, limit: int) -> list[UUID]:
        return [r["id"] for r in await fetch(self._session, _IDS, {"limit": limit})]
