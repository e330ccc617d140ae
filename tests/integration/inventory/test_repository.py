from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from modules.inventory.domain.stock import StockLevel
from modules.inventory.infrastructure.repository import SqlStockRepository, SqlWarehouseRepository
from shared_kernel.application.pagination import PageRequest
from shared_kernel.domain.errors import Conflict
from tests.factories import a_warehouse
from tests.integration.inventory.helpers import stock_up

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
