"""Request and response bodies of the inventory API."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from modules.inventory.application.use_cases import ProductStock
from modules.inventory.domain.stock import MAX_QUANTITY, StockLevel
from modules.inventory.domain.warehouse import ADDRESS_MAX_LENGTH, NAME_MAX_LENGTH, Warehouse
from shared_kernel.api.pagination import PageMeta
from shared_kernel.api.types import optional_text, required_text

Name = Annotated[str, required_text(NAME_MAX_LENGTH)]
Address = Annotated[str, optional_text(ADDRESS_MAX_LENGTH)]
Quantity = Annotated[int, msgspec.Meta(ge=0, le=MAX_QUANTITY)]


class CreateWarehouseBody(msgspec.Struct):
    name: Name
    address: Address = ""


class WarehouseOut(msgspec.Struct):
    id: UUID
    name: str
    address: str
    created_at: datetime

    @classmethod
    def of(cls, warehouse: Warehouse) -> "WarehouseOut":
        return cls(id=warehouse.id, name=warehouse.name, address=warehouse.address, created_at=warehouse.created_at)


class WarehousePage(PageMeta):
    items: list[WarehouseOut]


class SetStockBody(msgspec.Struct):
    quantity: Quantity


class StockLevelOut(msgspec.Struct):
    warehouse_id: UUID
    product_id: UUID
    quantity: int

    @classmethod
    def of(cls, level: StockLevel) -> "StockLevelOut":
        return cls(warehouse_id=level.warehouse_id, product_id=level.product_id, quantity=level.quantity)


class WarehouseQuantity(msgspec.Struct):
    warehouse_id: UUID
    quantity: int


class ProductStockOut(msgspec.Struct):
    product_id: UUID
    available: int
    warehouses: list[WarehouseQuantity]

    @classmethod
    def of(cls, stock: ProductStock) -> "ProductStockOut":
        return cls(
            product_id=stock.product_id,
            available=stock.available,
            warehouses=[WarehouseQuantity(warehouse_id=s.warehouse_id, quantity=s.quantity) for s in stock.levels],
        )
