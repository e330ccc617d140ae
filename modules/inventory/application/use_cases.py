"""Inventory use cases: one class each, depending only on ports and the catalog's facade."""

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from modules.catalog.facade import CatalogFacade
from modules.inventory.application.ports import StockRepository, WarehouseRepository
from modules.inventory.domain.allocation import StockLevel
from modules.inventory.domain.warehouse import Warehouse, check_room, stock_quantity
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.application.unit_of_work import UnitOfWork
from shared_kernel.domain.errors import NotFound


@dataclass(frozen=True, slots=True)
class NewWarehouse:
    name: str
    address: str = ""


@dataclass(frozen=True, slots=True)
class ProductStock:
    product_id: UUID
    levels: list[StockLevel]

    @property
    def available(self) -> int:
        return sum(level.quantity for level in self.levels)


async def _require_product(catalog: CatalogFacade, product_id: UUID) -> None:
    if not await catalog.get_products([product_id]):
        raise NotFound(f"product {product_id} does not exist")


async def _require_warehouse(warehouses: WarehouseRepository, warehouse_id: UUID) -> Warehouse:
    warehouse = await warehouses.get(warehouse_id)
    if warehouse is None:
        raise NotFound(f"warehouse {warehouse_id} does not exist")
    return warehouse


class CreateWarehouse:
    def __init__(self, uow: UnitOfWork, warehouses: WarehouseRepository) -> None:
        self._uow = uow
        self._warehouses = warehouses

    async def __call__(self, command: NewWarehouse) -> Warehouse:
        warehouse = Warehouse.create(name=command.name, address=command.address, now=datetime.now(UTC))
        async with self._uow:
            await self._warehouses.add(warehouse)
            await self._uow.commit()
        return warehouse


class GetWarehouse:
    def __init__(self, warehouses: WarehouseRepository) -> None:
        self._warehouses = warehouses

    async def __call__(self, warehouse_id: UUID) -> Warehouse:
        return await _require_warehouse(self._warehouses, warehouse_id)


class ListWarehouses:
    def __init__(self, warehouses: WarehouseRepository) -> None:
        self._warehouses = warehouses

    async def __call__(self, page: PageRequest) -> Page[Warehouse]:
        return await self._warehouses.list_page(page)


class SetStock:
    """Set the quantity on hand of a product in a warehouse (both must exist)."""

    def __init__(
        self,
        uow: UnitOfWork,
        warehouses: WarehouseRepository,
        stock: StockRepository,
        catalog: CatalogFacade,
    ) -> None:
        self._uow = uow
        self._warehouses = warehouses
        self._stock = stock
        self._catalog = catalog

    async def __call__(self, warehouse_id: UUID, product_id: UUID, quantity: int) -> StockLevel:
        quantity = stock_quantity(quantity)
        async with self._uow:
            await _require_warehouse(self._warehouses, warehouse_id)
            await _require_product(self._catalog, product_id)
            check_room(quantity, await self._stock.lock_allocated(warehouse_id, product_id))
            await self._stock.set_quantity(warehouse_id, product_id, quantity)
            await self._uow.commit()
        return StockLevel(product_id=product_id, warehouse_id=warehouse_id, quantity=quantity)


class GetProductStock:
    def __init__(self, stock: StockRepository, catalog: CatalogFacade) -> None:
        self._stock = stock
        self._catalog = catalog

    async def __call__(self, product_id: UUID) -> ProductStock:
        await _require_product(self._catalog, product_id)
        return ProductStock(product_id=product_id, levels=await self._stock.levels_of(product_id))
