"""Catalog wiring: builds use cases and the published facade over the request's session."""

from decimal import Decimal
from uuid import UUID

from litestar.di import NamedDependency, Provide
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from modules.catalog.api.controller import ProductController
from modules.catalog.application.facade import CatalogFacadeService
from modules.catalog.application.use_cases import CreateProduct, GetProduct, ListProducts, NewProduct, UpdateProduct
from modules.catalog.facade import CatalogFacade
from modules.catalog.infrastructure.repository import SqlProductRepository
from shared_kernel.application.pagination import PageRequest
from shared_kernel.infrastructure.unit_of_work import SqlAlchemyUnitOfWork


def catalog_facade(session: AsyncSession) -> CatalogFacade:
    """Catalog's published facade over a session; the composition root hands it to the modules that use it."""
    return CatalogFacadeService(SqlProductRepository(session))


def provide_create_product(db_session: NamedDependency[AsyncSession]) -> CreateProduct:
    return CreateProduct(SqlAlchemyUnitOfWork(db_session), SqlProductRepository(db_session))


def provide_update_product(db_session: NamedDependency[AsyncSession]) -> UpdateProduct:
    return UpdateProduct(SqlAlchemyUnitOfWork(db_session), SqlProductRepository(db_session))


def provide_get_product(db_session: NamedDependency[AsyncSession]) -> GetProduct:
    return GetProduct(SqlProductRepository(db_session))


def provide_list_products(db_session: NamedDependency[AsyncSession]) -> ListProducts:
    return ListProducts(SqlProductRepository(db_session))


route_handlers: list[ControllerRouterHandler] = [ProductController]


def dependencies() -> dict[str, Provide]:
    return {
        "create_product": Provide(provide_create_product, sync_to_thread=False),
        "update_product": Provide(provide_update_product, sync_to_thread=False),
        "get_product": Provide(provide_get_product, sync_to_thread=False),
        "list_products": Provide(provide_list_products, sync_to_thread=False),
    }


DEMO_PRODUCTS = [
    ("Laptop 14", "Lightweight laptop, 16 GB RAM, 512 GB SSD", "1499.90"),
    ("Mechanical keyboard", "Tenkeyless, brown switches", "129.00"),
    ("Wireless mouse", "Ergonomic, 2.4 GHz and Bluetooth", "49.99"),
    ("27-inch monitor", "2560x1440, IPS, 144 Hz", "329.50"),
    ("USB-C dock", "Two displays, 100 W power delivery", "189.00"),
    ("Noise-cancelling headphones", "Over-ear, 30 h battery", "279.00"),
    ("Webcam", "1080p, privacy shutter", "69.90"),
    ("Desk lamp", "LED, adjustable colour temperature", "39.00"),
]


async def seed_demo_products(session: AsyncSession) -> list[UUID]:
    """Create the demo catalog unless products exist already; return the ids of every product."""
    products = SqlProductRepository(session)
    existing = await products.list_page(PageRequest(limit=100))
    if existing.total:
        return [p.id for p in existing.items]
    create = CreateProduct(SqlAlchemyUnitOfWork(session), products)
    return [
        (await create(NewProduct(name=name, description=description, price=Decimal(price)))).id
        for name, description, price in DEMO_PRODUCTS
    ]
