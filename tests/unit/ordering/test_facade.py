"""The OrderingFacade over ordering's use cases: published results, published refusals."""

from decimal import Decimal
from uuid import uuid4

import pytest

from modules.ordering.application.facade import OrderingFacadeService
from modules.ordering.application.use_cases import GetOrder, ListOrders
from modules.ordering.domain import order as domain
from modules.ordering.facade import CANCELLED, MAX_LINE_QUANTITY, PLACED, IdempotencyKeyReused, NothingInStock
from shared_kernel.domain.errors import InvalidInput, NotFound, UnknownReferences
from tests.unit.ordering.test_use_cases import APPLE, BREAD, World


def facade(world: World) -> OrderingFacadeService:
    return OrderingFacadeService(world.place, GetOrder(world.orders), ListOrders(world.orders), world.cancel)


async def test_an_order_is_placed_read_listed_and_cancelled_through_the_facade() -> None:
    world = World({APPLE.id: 10, BREAD.id: 1})
    ordering = facade(world)

    order = await ordering.place_order({APPLE.id: 4, BREAD.id: 3}, idempotency_key="k-1")

    assert order.status == PLACED
    assert [(i.name, i.requested_quantity, i.quantity, i.line_total) for i in order.items] == [
        ("Apple", 4, 4, Decimal("2.00")),
        ("Bread", 3, 1, Decimal("2.25")),
    ]
    assert order.total == Decimal("4.25")
    assert await ordering.get_order(order.id) == order
    assert [o.id for o in (await ordering.list_orders(limit=5)).items] == [order.id]
    assert (await ordering.cancel_order(order.id)).status == CANCELLED
    assert world.on_hand(APPLE) == 10


async def test_the_same_key_and_quantities_return_the_same_order() -> None:
    world = World({APPLE.id: 10})
    ordering = facade(world)

    first = await ordering.place_order({APPLE.id: 2}, idempotency_key="k-1")
    again = await ordering.place_order({APPLE.id: 2}, idempotency_key="k-1")

    assert again == first
    assert world.on_hand(APPLE) == 8
    with pytest.raises(IdempotencyKeyReused):
        await ordering.place_order({APPLE.id: 3}, idempotency_key="k-1")


async def test_refusals_are_the_published_ones_and_change_nothing() -> None:
    world = World({APPLE.id: 10})
    ordering = facade(world)

    with pytest.raises(NothingInStock):
        await ordering.place_order({BREAD.id: 1}, idempotency_key="k-1")
    with pytest.raises(UnknownReferences):
        await ordering.place_order({uuid4(): 1}, idempotency_key="k-2")
    with pytest.raises(NotFound):
        await ordering.get_order(uuid4())
    assert world.orders.orders == {}
    assert world.on_hand(APPLE) == 10


@pytest.mark.parametrize(
    ("quantity", "key"), [(0, "k"), (MAX_LINE_QUANTITY + 1, "k"), (1, ""), (1, "é"), (1, "k" * 201)]
)
async def test_bad_quantities_and_keys_are_invalid_input(quantity: int, key: str) -> None:
    world = World({APPLE.id: 10})
    with pytest.raises(InvalidInput):
        await facade(world).place_order({APPLE.id: quantity}, idempotency_key=key)
    assert world.orders.orders == {}


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (101, 0), (20, -1)])
async def test_listing_bounds_are_checked(limit: int, offset: int) -> None:
    with pytest.raises(InvalidInput):
        await facade(World({})).list_orders(limit=limit, offset=offset)


def test_the_published_bounds_and_statuses_are_the_domains() -> None:
    assert MAX_LINE_QUANTITY == domain.MAX_LINE_QUANTITY
    assert {PLACED, CANCELLED} == {status.value for status in domain.OrderStatus}
