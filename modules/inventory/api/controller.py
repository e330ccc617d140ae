"""HTTP edge of inventory: warehouses and stock levels."""

from uuid import UUID

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from modules.inventory.api.schemas import (
    CreateWarehouseBody,
    ProductStockOut,
    SetStockBody,
    StockLevelOut,
    WarehouseOut,
    WarehousePage,
)
from modules.inventory.application.use_cases import (
    CreateWarehouse,
    CreateWarehouseCommand,
    GetProductStock,
    GetWarehouse,
    ListWarehouses,
    SetStock,
    SetStockCommand,
)
from shared_kernel.api.pagination import page_request
from shared_kernel.api.problems import problem_responses
from shared_kernel.application.pagination import PageRequest


class WarehouseController(Controller):
    path = "/api/inventory/warehouses"
    tags = ["inventory"]  # noqa: RUF012
    dependencies = {"page": Provide(page_request, sync_to_thread=False)}  # noqa: RUF012

    @post(summary="Create a warehouse", responses=problem_responses(409, 415))
    async def create(
        self,
        data: JSONBody[CreateWarehouseBody],
        create_warehouse: NamedDependency[CreateWarehouse],
    ) -> Response[WarehouseOut]:
        warehouse = await create_warehouse(CreateWarehouseCommand(name=data.name, address=data.address))
        return Response(
            WarehouseOut.of(warehouse),
            status_code=201,
            headers={"Location": f"{self.path}/{warehouse.id}"},
        )

    @get(summary="List warehouses, newest first", responses=problem_responses())
    async def list(
        self,
        page: NamedDependency[PageRequest],
        list_warehouses: NamedDependency[ListWarehouses],
    ) -> WarehousePage:
        result = await list_warehouses(page)
        return WarehousePage(
            items=[WarehouseOut.of(w) for w in result.items],
            total=result.total,
            limit=result.limit,
            offset=result.offset,
        )

    @get("/{warehouse_id:str}", summary="Get a warehouse", responses=problem_responses(404))
    async def get(
        self,
        warehouse_id: FromPath[UUID],
        get_warehouse: NamedDependency[GetWarehouse],
    ) -> WarehouseOut:
        return WarehouseOut.of(await get_warehouse(warehouse_id))

    @put(
        "/{warehouse_id:str}/stock/{product_id:str}",
        summary="Set the quantity of a product on hand in a warehouse",
        responses=problem_responses(404, 415),
    )
    async def set_stock(
        self,
        warehouse_id: FromPath[UUID],
        product_id: FromPath[UUID],
        data: JSONBody[SetStockBody],
        set_stock: NamedDependency[SetStock],
    ) -> StockLevelOut:
        return StockLevelOut.of(await set_stock(SetStockCommand(warehouse_id, product_id, data.quantity)))


class ProductStockController(Controller):
    path = "/api/inventory/products"
    tags = ["inventory"]  # noqa: RUF012

    @get(
        "/{product_id:str}/stock",
        summary="A product's stock per warehouse and in total",
        responses=problem_responses(404),
    )
    async def get_stock(
        self,
        product_id: FromPath[UUID],
        get_product_stock: NamedDependency[GetProductStock],
    ) -> ProductStockOut:
        return ProductStockOut.of(await get_product_stock(product_id))
