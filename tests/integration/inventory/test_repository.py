from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from modules.inventory.domain.stock import Allocation, OrderAllocations, StockLevel
from modules.inventory.infrastructure.repository import SqlStockRepository, SqlWarehouseRepository
from shared_kernel.application.pagination import PageRequest
from shared_kernel.domain.errors import Conflict
from tests.factories import a_warehouse
from tests.integration.inventory.helpers import quantities, stock_up

Sessions = async_sessionmaker[AsyncSession]


async def test_add_get_and_list(session_factory: Sessions) -> None:
    first, second = a_warehouse(address="1 Dock Road"), a_warehouse()
    async with session_factory() as session:
        repository = SqlWarehouseRepository(session)
        await repository.add(first)
        await repository.add(second)
        await session.commit()
    async with session_factory() as session:
        repository = SqlWarehouseRepository(session)
        assert await repository.get(first.id) == first
        assert await repository.get(uuid4()) is None
        page = await repository.list_page(PageRequest(limit=10))
    assert page.total == 2
    assert [w.id for w in page.items] == [second.id, first.id]


async def test_taken_name_is_a_conflict(session_factory: Sessions) -> None:
    async with session_factory() as session:
        await SqlWarehouseRepository(session).add(a_warehouse("North"))
        await session.commit()
    async with session_factory() as session:
        with pytest.raises(Conflict, match="North"):
            await SqlWarehouseRepository(session).add(a_warehouse("North"))


async def test_set_quantity_upserts_and_levels_list_every_warehouse(session_factory: Sessions) -> None:
    product = uuid4()
    w1, w2 = await stock_up(session_factory, {product: [3, 0]})
    async with session_factory() as session:
        repository = SqlStockRepository(session)
        await repository.set_quantity(StockLevel(product, w1, 9))
        await session.commit()
        levels = await repository.levels_of(product)
    assert [(level.warehouse_id, level.quantity) for level in levels] == sorted([(w1, 9), (w2, 0)])


async def test_lock_reads_the_non_empty_levels_unless_asked_for_all(session_factory: Sessions) -> None:
    product, other = uuid4(), uuid4()
    w1, w2 = await stock_up(session_factory, {product: [3, 0], other: [5, 5]})
    async with session_factory() as session:
        repository = SqlStockRepository(session)
        assert (await repository.lock([product])).levels == {(product, w1): 3}
        assert (await repository.lock([product], including_empty=True)).levels == {(product, w1): 3, (product, w2): 0}


async def test_a_reservation_is_stored_read_back_and_released(session_factory: Sessions) -> None:
    product = uuid4()
    w1, w2 = await stock_up(session_factory, {product: [4, 6]})
    reserved_at, released_at = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 2, tzinfo=UTC)
    order = uuid4()
    async with session_factory() as session:
        repository = SqlStockRepository(session)
        stock = await repository.lock([product])
        plan = stock.reserve({product: 8})
        await repository.add_reservation(stock, OrderAllocations(order, plan, reserved_at=reserved_at))
        await session.commit()
    assert await quantities(session_factory, product) == {w1: 2, w2: 0}

    async with session_factory() as session:
        repository = SqlStockRepository(session)
        reservation = await repository.reservation_of(order)
        assert reservation == OrderAllocations(
            order,
            sorted([Allocation(product, w2, 6), Allocation(product, w1, 2)], key=lambda a: a.warehouse_id),
            reserved_at=reserved_at,
        )
        assert await repository.reservation_of(uuid4()) is None
        returned = reservation.release(released_at)
        stock = await repository.lock([product], including_empty=True)
        stock.put_back(returned)
        await repository.save_release(stock, reservation)
        await session.commit()
    assert await quantities(session_factory, product) == {w1: 4, w2: 6}
    async with session_factory() as session:
        stored = await SqlStockRepository(session).reservation_of(order)
    assert stored is not None
    assert stored.released_at == released_at


async def test_available_sums_the_warehouses_of_each_product(session_factory: Sessions) -> None:
    held, empty, nowhere = uuid4(), uuid4(), uuid4()
    await stock_up(session_factory, {held: [2, 5], empty: [0, 0]})
    async with session_factory() as session:
        repository = SqlStockRepository(session)
        available = await repository.available([held, empty, nowhere])
        again = await repository.available([held])  # the same statement, now on the transaction's connection
    assert available == {held: 7, empty: 0}
    assert again == {held: 7}
