"""The inventory facade against real PostgreSQL, with separate sessions running at once."""

import asyncio
import random
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from modules.inventory.domain.stock import Allocation, OrderAllocations, Stock
from modules.inventory.infrastructure.repository import SqlStockRepository
from modules.inventory.module import inventory_facade
from shared_kernel.infrastructure.sql import violated_constraint
from tests.concurrency import all_at_once
from tests.integration.inventory.helpers import allocated, quantities, stock_up

Sessions = async_sessionmaker[AsyncSession]


async def reserve(sessions: Sessions, request: dict[UUID, int], *, hold: float = 0.0) -> dict[UUID, int]:
    """One reservation in its own transaction, committed (after holding its locks for `hold` seconds)."""
    async with sessions() as session:
        reserved = await inventory_facade(session).reserve(uuid4(), request)
        await asyncio.sleep(hold)
        await session.commit()
        return reserved


def taking(product: UUID, warehouse: UUID, quantity: int, left: int) -> tuple[Stock, OrderAllocations]:
    """A reservation of `quantity` that leaves `left` in the warehouse, as the repository is asked to store it
    (whatever the domain would have allowed)."""
    stock = Stock({(product, warehouse): left}, changed={(product, warehouse)})
    return stock, OrderAllocations(uuid4(), [Allocation(product, warehouse, quantity)], reserved_at=datetime.now(UTC))


@pytest.mark.xdist_group("storm")
async def test_sixty_concurrent_reservations_of_a_scarce_product_take_exactly_the_stock(
    storm_sessions: Sessions,
) -> None:
    product = uuid4()
    warehouses = await stock_up(storm_sessions, {product: [10, 7, 5]})
    rng = random.Random(7)
    requests = [{product: rng.randint(1, 3)} for _ in range(60)]

    results = await all_at_once(reserve(storm_sessions, r) for r in requests)

    reserved = [result[product] for result in results]
    assert sum(reserved) == 22
    assert all(0 <= got <= want[product] for got, want in zip(reserved, requests, strict=True))
    assert await quantities(storm_sessions, product) == dict.fromkeys(warehouses, 0)
    assert await allocated(storm_sessions, product) == 22


@pytest.mark.xdist_group("storm")
async def test_reservations_naming_products_in_opposite_orders_do_not_deadlock(storm_sessions: Sessions) -> None:
    products = [uuid4() for _ in range(4)]
    await stock_up(storm_sessions, {p: [500, 500] for p in products})
    forward = dict.fromkeys(products, 1)
    backward = dict.fromkeys(reversed(products), 1)

    # Each transaction holds its locks a moment, so that the transactions overlap.
    results = await all_at_once(reserve(storm_sessions, forward if i % 2 else backward, hold=0.005) for i in range(40))

    assert all(result == dict.fromkeys(products, 1) for result in results)
    for product in products:
        assert sum((await quantities(storm_sessions, product)).values()) == 1000 - 40


async def test_a_rolled_back_reservation_leaves_stock_untouched(session_factory: Sessions) -> None:
    product = uuid4()
    await stock_up(session_factory, {product: [3, 4]})
    before = await quantities(session_factory, product)
    async with session_factory() as session:
        reserved = await inventory_facade(session).reserve(uuid4(), {product: 5})
        assert reserved == {product: 5}
        await session.rollback()
    assert await quantities(session_factory, product) == before
    assert await allocated(session_factory, product) == 0


async def test_allocation_takes_biggest_warehouse_first_and_release_returns_exactly(
    session_factory: Sessions,
) -> None:
    product, other = uuid4(), uuid4()
    small, big = await stock_up(session_factory, {product: [2, 6], other: [1, 0]})
    order = uuid4()
    async with session_factory() as session:
        service = inventory_facade(session)
        assert await service.reserve(order, {product: 7, other: 3}) == {product: 7, other: 1}
        await session.commit()
    assert await quantities(session_factory, product) == {small: 1, big: 0}

    async with session_factory() as session:
        assert await inventory_facade(session).release(order) == {product: 7, other: 1}
        await session.commit()
    assert await quantities(session_factory, product) == {small: 2, big: 6}
    assert await quantities(session_factory, other) == {small: 1, big: 0}

    async with session_factory() as session:
        assert await inventory_facade(session).release(order) == {}
        await session.commit()
    assert await quantities(session_factory, product) == {small: 2, big: 6}


@pytest.mark.xdist_group("storm")
async def test_concurrent_releases_of_one_order_return_the_stock_once(storm_sessions: Sessions) -> None:
    product = uuid4()
    await stock_up(storm_sessions, {product: [5, 5]})
    order = uuid4()
    async with storm_sessions() as session:
        await inventory_facade(session).reserve(order, {product: 8})
        await session.commit()

    async def release() -> dict[UUID, int]:
        async with storm_sessions() as session:
            returned = await inventory_facade(session).release(order)
            await asyncio.sleep(0.01)
            await session.commit()
            return returned

    results = await all_at_once(release() for _ in range(10))

    assert sorted(r.get(product, 0) for r in results) == [0] * 9 + [8]
    assert sum((await quantities(storm_sessions, product)).values()) == 10
    assert await allocated(storm_sessions, product) == 0


async def test_stock_can_never_go_negative(session_factory: Sessions) -> None:
    """The CHECK constraint is the last line of defence, whatever the code above it does."""
    product = uuid4()
    (warehouse,) = await stock_up(session_factory, {product: [1]})
    async with session_factory() as session:
        with pytest.raises(IntegrityError, match="ck_stock_quantity_not_negative"):
            await SqlStockRepository(session).add_reservation(*taking(product, warehouse, 2, left=-1))


async def test_raw_statements_after_the_first_stay_in_the_transaction(session_factory: Sessions) -> None:
    """fetch sends the first statement through SQLAlchemy (BEGIN) and the next ones straight to asyncpg: they
    must still roll back with the session, and violations must still be IntegrityErrors naming the constraint."""
    product = uuid4()
    (warehouse,) = await stock_up(session_factory, {product: [3]})
    async with session_factory() as session:
        repository = SqlStockRepository(session)
        assert (await repository.lock([product])).levels  # first statement: SQLAlchemy begins the transaction
        await repository.add_reservation(*taking(product, warehouse, 2, left=1))  # straight to asyncpg
        assert await quantities(session_factory, product) == {warehouse: 3}  # not visible outside
        with pytest.raises(IntegrityError) as violation:
            await repository.add_reservation(*taking(product, warehouse, 5, left=-4))
        assert violated_constraint(violation.value) == "ck_stock_quantity_not_negative"
        await session.rollback()
    assert await quantities(session_factory, product) == {warehouse: 3}
    assert await allocated(session_factory, product) == 0


async def test_a_new_transaction_on_the_same_session_begins_anew(session_factory: Sessions) -> None:
    """fetch remembers the asyncpg connection for one transaction only: after a commit, the next statement
    must begin a new transaction (else it would commit on its own and survive the rollback)."""
    product = uuid4()
    (warehouse,) = await stock_up(session_factory, {product: [10]})
    async with session_factory() as session:
        repository = SqlStockRepository(session)
        await repository.lock([product])
        await repository.add_reservation(*taking(product, warehouse, 2, left=8))
        await session.commit()
        await repository.add_reservation(*taking(product, warehouse, 3, left=5))
        await repository.add_reservation(*taking(product, warehouse, 4, left=1))
        await session.rollback()
    assert await quantities(session_factory, product) == {warehouse: 8}
    assert await allocated(session_factory, product) == 2
