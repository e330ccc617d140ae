"""Catalog wiring: its routes and use cases, its published facade, its demo seed."""

from decimal import Decimal

from litestar import Router
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from modules.catalog.api.controller import ProductController
from modules.catalog.application.facade import CatalogFacadeService
from modules.catalog.application.use_cases import (
    CreateProduct,
    CreateProductCommand,
    GetProduct,
    ListProducts,
    UpdateProduct,
)
from modules.catalog.facade import CatalogFacade
from modules.catalog.infrastructure.repository import SqlProductRepository
from modules.catalog.infrastructure.tables import metadata
from shared_kernel.api.module_definition import ModuleDefinition, provide
from shared_kernel.application.pagination import PageRequest
from shared_kernel.infrastructure.clock import SystemClock
from shared_kernel.infrastructure.facades import Facades, PublishedFacade
from shared_kernel.infrastructure.unit_of_work import SqlAlchemyUnitOfWork

_clock = SystemClock()


def catalog_facade(session: AsyncSession) -> CatalogFacade:
    return CatalogFacadeService(SqlProductRepository(session))


def provide_create_product(db_session: NamedDependency[AsyncSession]) -> CreateProduct:
    return CreateProduct(SqlAlchemyUnitOfWork(db_session), SqlProductRepository(db_session), _clock)


def provide_update_product(db_session: NamedDependency[AsyncSession]) -> UpdateProduct:
    return UpdateProduct(SqlAlchemyUnitOfWork(db_session), SqlProductRepository(db_session), _clock)


def provide_get_product(db_session: NamedDependency[AsyncSession]) -> GetProduct:
    return GetProduct(SqlProductRepository(db_session))


def provide_list_products(db_session: NamedDependency[AsyncSession]) -> ListProducts:
    return ListProducts(SqlProductRepository(db_session))


def router(_facades: Facades) -> Router:
    return Router(
        path="/",
        route_handlers=[ProductController],
        dependencies={
            "create_product": provide(provide_create_product),
            "update_product": provide(provide_update_product),
            "get_product": provide(provide_get_product),
            "list_products": provide(provide_list_products),
        },
    )


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


async def seed(session: AsyncSession, _facades: Facades) -> str:
    """Create the demo catalog unless products exist already."""
    products = SqlProductRepository(session)
    existing = await products.list_page(PageRequest(limit=1))
    if not existing.total:
        create = CreateProduct(SqlAlchemyUnitOfWork(session), products, _clock)
        for name, description, price in DEMO_PRODUCTS:
            await create(CreateProductCommand(name=name, description=description, price=Decimal(price)))
    return f"{existing.total or len(DEMO_PRODUCTS)} products"


module = ModuleDefinition(
    name="catalog",
    metadata=metadata,
    router=router,
    facade=PublishedFacade(CatalogFacade, catalog_facade),
    seed=seed,
)
