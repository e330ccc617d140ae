"""Inventory wiring: its routes and use cases, its published facade, its demo seed."""

from litestar import Router
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from modules.catalog.facade import CatalogFacade
from modules.inventory.api.controller import ProductStockController, WarehouseController
from modules.inventory.application.facade import InventoryFacadeService
from modules.inventory.application.use_cases import (
    CreateWarehouse,
    CreateWarehouseCommand,
    GetProductStock,
    GetWarehouse,
    ListWarehouses,
    SetStock,
    SetStockCommand,
)
from modules.inventory.facade import InventoryFacade
from modules.inventory.infrastructure.repository import SqlStockRepository, SqlWarehouseRepository
from modules.inventory.infrastructure.tables import metadata
from shared_kernel.api.module_definition import ModuleDefinition, provide
from shared_kernel.application.pagination import PageRequest
from shared_kernel.infrastructure.clock import SystemClock
from shared_kernel.infrastructure.facades import Facades, PublishedFacade
from shared_kernel.infrastructure.unit_of_work import SqlAlchemyUnitOfWork

_clock = SystemClock()


def inventory_facade(session: AsyncSession) -> InventoryFacade:
    return InventoryFacadeService(SqlStockRepository(session), _clock)


def provide_create_warehouse(db_session: NamedDependency[AsyncSession]) -> CreateWarehouse:
    return CreateWarehouse(SqlAlchemyUnitOfWork(db_session), SqlWarehouseRepository(db_session), _clock)


def provide_get_warehouse(db_session: NamedDependency[AsyncSession]) -> GetWarehouse:
    return GetWarehouse(SqlWarehouseRepository(db_session))


def provide_list_warehouses(db_session: NamedDependency[AsyncSession]) -> ListWarehouses:
    return ListWarehouses(SqlWarehouseRepository(db_session))


def router(facades: Facades) -> Router:
    catalog_facade = facades.of(CatalogFacade)

    def provide_set_stock(db_session: NamedDependency[AsyncSession]) -> SetStock:
        return SetStock(
            SqlAlchemyUnitOfWork(db_session),
            SqlWarehouseRepository(db_session),
            SqlStockRepository(db_session),
            catalog_facade(db_session),
        )

    def provide_get_product_stock(db_session: NamedDependency[AsyncSession]) -> GetProductStock:
        return GetProductStock(SqlStockRepository(db_session), catalog_facade(db_session))

    return Router(
        path="/",
        route_handlers=[WarehouseController, ProductStockController],
        dependencies={
            "create_warehouse": provide(provide_create_warehouse),
            "get_warehouse": provide(provide_get_warehouse),
            "list_warehouses": provide(provide_list_warehouses),
            "set_stock": provide(provide_set_stock),
            "get_product_stock": provide(provide_get_product_stock),
        },
    )


DEMO_WAREHOUSES = [("North", "1 Harbour Road"), ("South", "22 Rail Yard"), ("East", "5 Airport Way")]


async def seed(session: AsyncSession, facades: Facades) -> str:
    """Create the demo warehouses (unless some exist) with uneven, partly empty stock of the catalog."""
    existing = await SqlWarehouseRepository(session).list_page(PageRequest(limit=1))
    if existing.total:
        return f"{existing.total} warehouses"
    catalog = facades.of(CatalogFacade)(session)
    product_ids = await catalog.product_ids(limit=100)
    uow, warehouses = SqlAlchemyUnitOfWork(session), SqlWarehouseRepository(session)
    create = CreateWarehouse(uow, warehouses, _clock)
    set_stock = SetStock(uow, warehouses, SqlStockRepository(session), catalog)
    for index, (name, address) in enumerate(DEMO_WAREHOUSES):
        warehouse = await create(CreateWarehouseCommand(name=name, address=address))
        for position, product_id in enumerate(product_ids):
            # Deterministic but uneven: some products are scarce, the last one is out of stock.
            quantity = 0 if position == len(product_ids) - 1 else (position * 7 + index * 3) % 12
            await set_stock(SetStockCommand(warehouse.id, product_id, quantity))
    return f"{len(DEMO_WAREHOUSES)} warehouses"


module = ModuleDefinition(
    name="inventory",
    metadata=metadata,
    router=router,
    facade=PublishedFacade(InventoryFacade, inventory_facade),
    seed=seed,
)
