from decimal import Decimal
from uuid import uuid4

import pytest

from modules.catalog.facade import ProductInfo
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
from modules.inventory.domain.stock import MAX_ON_HAND, MAX_RESERVATION, StockLevel
from shared_kernel.application.pagination import PageRequest
from shared_kernel.domain.errors import Conflict, InvalidInput, NotFound
from tests.factories import a_warehouse
from tests.fakes import FakeCatalog, FakeUnitOfWork, FixedClock, InMemoryStockRepository, InMemoryWarehouseRepository

PRODUCT = ProductInfo(id=uuid4(), name="Desk", price=Decimal("99.00"))


async def test_create_warehouse_commits_once() -> None:
    uow, warehouses = FakeUnitOfWork(), InMemoryWarehouseRepository()
    warehouse = await CreateWarehouse(uow, warehouses, FixedClock())(
        CreateWarehouseCommand(name=" North ", address="1 Road")
    )
    assert warehouses.warehouses[warehouse.id].name == "North"
    assert uow.commits == 1


async def test_create_warehouse_with_taken_name_is_a_conflict_without_commit() -> None:
    uow, warehouses = FakeUnitOfWork(), InMemoryWarehouseRepository(a_warehouse("North"))
    with pytest.raises(Conflict):
        await CreateWarehouse(uow, warehouses, FixedClock())(CreateWarehouseCommand(name="North"))
    assert uow.commits == 0


@pytest.mark.parametrize(("name", "address"), [("", ""), ("  ", ""), ("x" * 201, ""), ("ok", "a" * 501)])
async def test_create_warehouse_validates(name: str, address: str) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidInput):
        await CreateWarehouse(uow, InMemoryWarehouseRepository(), FixedClock())(
            CreateWarehouseCommand(name=name, address=address),
        )
    assert uow.commits == 0


async def test_get_and_list_warehouses() -> None:
    first, second = a_warehouse(), a_warehouse()
    warehouses = InMemoryWarehouseRepository(first, second)
    assert await GetWarehouse(warehouses)(first.id) == first
    with pytest.raises(NotFound):
        await GetWarehouse(warehouses)(uuid4())
    page = await ListWarehouses(warehouses)(PageRequest(limit=1))
    assert page.total == 2
    assert len(page.items) == 1


async def test_set_stock_upserts_and_commits() -> None:
    warehouse = a_warehouse()
    uow, stock = FakeUnitOfWork(), InMemoryStockRepository()
    set_stock = SetStock(uow, InMemoryWarehouseRepository(warehouse), stock, FakeCatalog(PRODUCT))
    assert await set_stock(SetStockCommand(warehouse.id, PRODUCT.id, 7)) == StockLevel(PRODUCT.id, warehouse.id, 7)
    await set_stock(SetStockCommand(warehouse.id, PRODUCT.id, 0))
    assert stock.quantities == {(PRODUCT.id, warehouse.id): 0}
    assert uow.commits == 2


async def test_set_stock_needs_an_existing_warehouse_and_product() -> None:
    warehouse = a_warehouse()
    uow, stock = FakeUnitOfWork(), InMemoryStockRepository()
    set_stock = SetStock(uow, InMemoryWarehouseRepository(warehouse), stock, FakeCatalog(PRODUCT))
    with pytest.raises(NotFound, match="warehouse"):
        await set_stock(SetStockCommand(uuid4(), PRODUCT.id, 1))
    with pytest.raises(NotFound, match="product"):
        await set_stock(SetStockCommand(warehouse.id, uuid4(), 1))
    assert stock.quantities == {}
    assert uow.commits == 0


@pytest.mark.parametrize("quantity", [-1, 1_000_000_001])
async def test_set_stock_refuses_out_of_range_quantities(quantity: int) -> None:
    warehouse = a_warehouse()
    set_stock = SetStock(
        FakeUnitOfWork(),
        InMemoryWarehouseRepository(warehouse),
        InMemoryStockRepository(),
        FakeCatalog(PRODUCT),
    )
    with pytest.raises(InvalidInput):
        await set_stock(SetStockCommand(warehouse.id, PRODUCT.id, quantity))


async def test_product_stock_sums_warehouses_and_knows_unknown_products() -> None:
    w1, w2 = a_warehouse(), a_warehouse()
    stock = InMemoryStockRepository()
    await stock.set_quantity(StockLevel(PRODUCT.id, w1.id, 3))
    await stock.set_quantity(StockLevel(PRODUCT.id, w2.id, 4))
    result = await GetProductStock(stock, FakeCatalog(PRODUCT))(PRODUCT.id)
    assert result.available == 7
    assert {level.warehouse_id for level in result.levels} == {w1.id, w2.id}
    with pytest.raises(NotFound):
        await GetProductStock(stock, FakeCatalog(PRODUCT))(uuid4())


async def test_product_without_stock_has_zero_available() -> None:
    result = await GetProductStock(InMemoryStockRepository(), FakeCatalog(PRODUCT))(PRODUCT.id)
    assert (result.available, result.levels) == (0, [])


async def test_reserve_takes_what_is_there_and_release_puts_it_back_once() -> None:
    w1, w2 = a_warehouse(), a_warehouse()
    scarce, plenty, absent = uuid4(), uuid4(), uuid4()
    stock = InMemoryStockRepository()
    await stock.set_quantity(StockLevel(scarce, w1.id, 2))
    await stock.set_quantity(StockLevel(scarce, w2.id, 1))
    await stock.set_quantity(StockLevel(plenty, w1.id, 50))
    before = dict(stock.quantities)
    service, order = InventoryFacadeService(stock, FixedClock()), uuid4()

    reserved = await service.reserve(order, {scarce: 5, plenty: 10, absent: 1})

    assert reserved == {scarce: 3, plenty: 10, absent: 0}
    assert stock.quantities[(scarce, w1.id)] == 0
    assert stock.quantities[(plenty, w1.id)] == 40
    assert await service.release(order) == {scarce: 3, plenty: 10}
    assert stock.quantities == before
    assert await service.release(order) == {}
    assert stock.quantities == before


async def test_reserve_refuses_non_positive_quantities() -> None:
    with pytest.raises(InvalidInput):
        await InventoryFacadeService(InMemoryStockRepository(), FixedClock()).reserve(uuid4(), {uuid4(): 0})


async def test_returned_stock_never_exceeds_what_a_level_can_store() -> None:
    """Thirty orders each take the most one order may ask for, with a restock to the most a warehouse may be
    told it holds before each; then all are cancelled. Every cancel succeeds; the level stops at MAX_ON_HAND."""
    warehouse, product, clock = a_warehouse(), uuid4(), FixedClock()
    stock = InMemoryStockRepository()
    service = InventoryFacadeService(stock, clock)
    orders = [uuid4() for _ in range(30)]
    for order in orders:
        await stock.set_quantity(StockLevel(product, warehouse.id, 1_000_000_000))
        assert await service.reserve(order, {product: MAX_RESERVATION}) == {product: MAX_RESERVATION}
    clock.advance(60)
    for order in orders:
        assert await service.release(order) == {product: MAX_RESERVATION}
        assert stock.reservations[order].released_at == clock.now()
    assert stock.quantities[(product, warehouse.id)] == MAX_ON_HAND
