"""SqlOrderRepository and SqlIdempotencyKeys against real PostgreSQL."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from modules.ordering.application.ports import DuplicateIdempotencyKey, IdempotentRequest
from modules.ordering.domain.order import Order, OrderStatus, PricedProduct, RequestedLine
from modules.ordering.infrastructure.repository import SqlIdempotencyKeys, SqlOrderRepository
from shared_kernel.application.pagination import PageRequest

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def an_order(now: datetime = NOW, *, lines: int = 2, missing: int = 1) -> Order:
    """An order with `lines` lines (the last one cut short) and `missing` products out of stock."""
    got = [uuid4() for _ in range(lines)]
    nothing = [uuid4() for _ in range(missing)]
    requested = [RequestedLine(p, 3) for p in [*got, *nothing]]
    products = {p: PricedProduct(f"Product «{i}»", Decimal("19.99") + i) for i, p in enumerate(got + nothing)}
    reserved = dict.fromkeys(got[:-1], 3) | {got[-1]: 1} | dict.fromkeys(nothing, 0)
    order = Order.place(order_id=uuid4(), now=now, requested=requested, products=products, reserved=reserved)
    order.events.clear()  # a stored order has none pending; compared with what the repository reads back
    return order


async def add(sessions: Sessions, *orders: Order, after_another_statement: bool = False) -> None:
    async with sessions() as session:
        repository = SqlOrderRepository(session)
        if after_another_statement:  # the statements after a transaction's first go straight to asyncpg
            await repository.get(uuid4())
        for order in orders:
            await repository.add(order)
        await session.commit()


@pytest.mark.parametrize("after_another_statement", [False, True], ids=["first-statement", "driver-path"])
async def test_add_then_get_reads_back_every_field_and_line_in_order(
    session_factory: Sessions,
    after_another_statement: bool,
) -> None:
    order = an_order(lines=3, missing=2)
    await add(session_factory, order, after_another_statement=after_another_statement)
    async with session_factory() as session:
        stored = await SqlOrderRepository(session).get(order.id)
        assert await SqlOrderRepository(session).get(uuid4()) is None
    assert stored == order
    assert stored is not None
    assert [line.quantity for line in stored.lines] == [3, 3, 1]
    assert stored.total == order.total


async def test_an_order_without_out_of_stock_lines(session_factory: Sessions) -> None:
    order = an_order(lines=1, missing=0)
    await add(session_factory, order)
    async with session_factory() as session:
        assert await SqlOrderRepository(session).get(order.id) == order


async def test_save_status_stores_the_cancellation_and_its_time(session_factory: Sessions) -> None:
    order = an_order()
    await add(session_factory, order)
    async with session_factory() as session:
        repository = SqlOrderRepository(session)
        locked = await repository.get(order.id, for_update=True)
        assert locked is not None
        locked.cancel(NOW + timedelta(hours=1))
        await repository.save_status(locked)
        await session.commit()
    async with session_factory() as session:
        stored = await SqlOrderRepository(session).get(order.id)
    assert stored is not None
    assert (stored.status, stored.cancelled_at) == (OrderStatus.CANCELLED, NOW + timedelta(hours=1))
    assert stored.lines == order.lines


async def test_list_page_is_newest_first_with_each_orders_own_lines(session_factory: Sessions) -> None:
    orders = [an_order(NOW + timedelta(minutes=i), lines=i + 1) for i in range(4)]
    await add(session_factory, *orders)
    async with session_factory() as session:
        page = await SqlOrderRepository(session).list_page(PageRequest(limit=2, offset=1))
    assert (page.total, page.limit, page.offset) == (4, 2, 1)
    assert page.items == [orders[2], orders[1]]


async def test_idempotency_keys_are_found_and_refused_twice(session_factory: Sessions) -> None:
    order, other = an_order(), an_order()
    await add(session_factory, order, other)
    request = IdempotentRequest("key-ü-1", "d" * 64, order.id)
    async with session_factory() as session:
        keys = SqlIdempotencyKeys(session)
        assert await keys.find(request.key) is None
        await keys.add(request)
        await session.commit()
    async with session_factory() as session:
        assert await SqlIdempotencyKeys(session).find(request.key) == request
        with pytest.raises(DuplicateIdempotencyKey):
            await SqlIdempotencyKeys(session).add(IdempotentRequest(request.key, "e" * 64, other.id))


async def test_a_key_must_name_a_stored_order(session_factory: Sessions) -> None:
    """Other integrity errors are not mistaken for a taken key."""
    async with session_factory() as session:
        with pytest.raises(IntegrityError, match="fk_idempotency_keys_order_id_orders"):
            await SqlIdempotencyKeys(session).add(IdempotentRequest("lonely", "f" * 64, UUID(int=7)))
