"""Inventory wiring: use cases and the published ReserveStock facade over the request's session."""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from litestar.di import NamedDependency, Provide
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from modules.catalog.facade import CatalogFacade
from modules.inventory.api.controllers import ProductStockController, WarehouseController
from modules.inventory.application.reserve_stock import ReserveStockService
from modules.inventory.application.use_cases import (
    CreateWarehouse,
    GetProductStock,
    GetWarehouse,
    ListWarehouses,
    SetStock,
)
from modules.inventory.domain.warehouse import Warehouse
from modules.inventory.facade import ReserveStock
from modules.inventory.infrastructure.repositories import SqlStockRepository, SqlWarehouseRepository
from shared_kernel.application.pagination import PageRequest
from shared_kernel.infrastructure.database import FacadeFactory
from shared_kernel.infrastructure.unit_of_work import SqlAlchemyUnitOfWork


def reserve_stock(session: AsyncSession) -> ReserveStock:
    """Inventory's published facade over a session; the composition root hands it to the modules that use it."""
    return ReserveStockService(SqlStockRepository(session))


def provide_create_warehouse(db_session: NamedDependency[AsyncSession]) -> CreateWarehouse:
    return CreateWarehouse(SqlAlchemyUnitOfWork(db_session), SqlWarehouseRepository(db_session))


def provide_get_warehouse(db_session: NamedDependency[AsyncSession]) -> GetWarehouse:
    return GetWarehouse(SqlWarehouseRepository(db_session))


def provide_list_warehouses(db_session: NamedDependency[AsyncSession]) -> ListWarehouses:
    return ListWarehouses(SqlWarehouseRepository(db_session))


route_handlers: list[ControllerRouterHandler] = [WarehouseController, ProductStockController]


def dependencies(*, catalog_facade: FacadeFactory[CatalogFacade]) -> dict[str, Provide]:
    """Providers for inventory's use cases, given the catalog facade (wired by the composition root)."""

    def provide_set_stock(db_session: NamedDependency[AsyncSession]) -> SetStock:
        return SetStock(
            SqlAlchemyUnitOfWork(db_session),
            SqlWarehouseRepository(db_session),
            SqlStockRepository(db_session),
            catalog_facade(db_session),
        )

    def provide_get_product_stock(db_session: NamedDependency[AsyncSession]) -> GetProductStock:
        return GetProductStock(SqlStockRepository(db_session), catalog_facade(db_session))

    return {
        "create_warehouse": Provide(provide_create_warehouse, sync_to_thread=False),
        "get_warehouse": Provide(provide_get_warehouse, sync_to_thread=False),
        "list_warehouses": Provide(provide_list_warehouses, sync_to_thread=False),
        "set_stock": Provide(provide_set_stock, sync_to_thread=False),
        "get_product_stock": Provide(provide_get_product_stock, sync_to_thread=False),
    }


DEMO_WAREHOUSES = [("North", "1 Harbour Road"), ("South", "22 Rail Yard"), ("East", "5 Airport Way")]


async def seed_demo_stock(session: AsyncSession, product_ids: Sequence[UUID]) -> int:
    """Create the demo warehouses (unless some exist) with uneven, partly empty stock; return how many exist."""
    warehouses = SqlWarehouseRepository(session)
    existing = await warehouses.list_page(PageRequest(limit=100))
    if existing.total:
        return existing.total
    uow, stock = SqlAlchemyUnitOfWork(session), SqlStockRepository(session)
    async with uow:
        for index, (name, address) in enumerate(DEMO_WAREHOUSES):
            warehouse = Warehouse.create(name=name, address=address, now=datetime.now(UTC))
            await warehouses.add(warehouse)
            for position, product_id in enumerate(product_ids):
                # Deterministic but uneven: some products are scarce, the last one is out of stock.
                quantity = 0 if position == len(product_ids) - 1 else (position * 7 + index * 3) % 12
                await stock.set_quantity(warehouse.id, product_id, quantity)
        await uow.commit()
    return len(DEMO_WAREHOUSES)
