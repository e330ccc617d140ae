"""PlaceOrder and CancelOrder with in-memory fakes: what is committed, reserved, refused and reported."""

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from modules.catalog.facade import ProductInfo
from modules.inventory.application.facade import InventoryFacadeService
from modules.ordering.application.ports import IdempotentRequest
from modules.ordering.application.use_cases import CancelOrder, GetOrder, ListOrders, PlaceOrder, PlaceOrderCommand
from modules.ordering.domain.events import OrderCancelled, OrderPlaced, OrderRefused
from modules.ordering.domain.order import OrderStatus, OrderWouldBeEmpty, RequestedLine
from shared_kernel.application.pagination import PageRequest
from shared_kernel.domain.errors import Conflict, NotFound, UnknownReferences
from tests.fakes import (
    FakeCatalog,
    FakeUnitOfWork,
    FixedClock,
    InMemoryIdempotencyKeys,
    InMemoryOrderRepository,
    InMemoryStockRepository,
)

APPLE = ProductInfo(id=uuid4(), name="Apple", price=Decimal("0.50"))
BREAD = ProductInfo(id=uuid4(), name="Bread", price=Decimal("2.25"))
WAREHOUSE = uuid4()


class World:
    """A fake world: catalog, stock, orders, idempotency keys, a clock and the unit of work they share."""

    def __init__(self, stock: dict[UUID, int]) -> None:
        self.uow = FakeUnitOfWork()
        self.clock = FixedClock()
        self.orders = InMemoryOrderRepository()
        self.keys = InMemoryIdempotencyKeys()
        self.stock = InMemoryStockRepository()
        self.stock.quantities = {(product, WAREHOUSE): quantity for product, quantity in stock.items()}
        self.inventory = InventoryFacadeService(self.stock, self.clock)
        catalog = FakeCatalog(APPLE, BREAD)
        self.place = PlaceOrder(self.uow, self.orders, self.keys, catalog, self.inventory, clock=self.clock)
        self.cancel = CancelOrder(self.uow, self.orders, self.inventory, self.clock)

    def on_hand(self, product: ProductInfo) -> int:
        return self.stock.quantities.get((product.id, WAREHOUSE), 0)

    def refusals(self) -> list[str]:
        return [event.reason for event in self.uow.published if isinstance(event, OrderRefused)]


def command(*lines: tuple[ProductInfo, int], key: str | None = None) -> PlaceOrderCommand:
    return PlaceOrderCommand([RequestedLine(product.id, quantity) for product, quantity in lines], key)


async def test_place_order_reserves_stores_and_commits_once() -> None:
    world = World({APPLE.id: 10, BREAD.id: 1})
    placement = await world.place(command((APPLE, 4), (BREAD, 3)))
    order = placement.order
    assert placement.created
    assert [(line.name, line.quantity) for line in order.lines] == [("Apple", 4), ("Bread", 1)]
    assert order.total == Decimal("4.25")
    assert world.orders.orders[order.id].total == Decimal("4.25")
    assert (world.on_hand(APPLE), world.on_hand(BREAD)) == (6, 0)
    assert world.uow.commits == 1
    assert order.created_at == world.clock.now()
    assert world.uow.published == [OrderPlaced(order.id, 2, 1, 0, Decimal("4.25"))]
    assert order.events == []  # handed over to the unit of work


async def test_repeated_products_are_merged() -> None:
    world = World({APPLE.id: 10})
    order = (await world.place(command((APPLE, 2), (APPLE, 3)))).order
    assert [(line.requested_quantity, line.quantity) for line in order.lines] == [(5, 5)]


async def test_unknown_products_are_listed_and_nothing_is_reserved_or_committed() -> None:
    world = World({APPLE.id: 10})
    ghost = uuid4()
    with pytest.raises(UnknownReferences) as refused:
        await world.place(PlaceOrderCommand([RequestedLine(APPLE.id, 1), RequestedLine(ghost, 1)]))
    assert refused.value.references == [str(ghost)]
    assert world.on_hand(APPLE) == 10
    assert world.stock.reservations == {}
    assert (world.uow.commits, world.refusals()) == (0, ["unknown_products"])


async def test_an_order_that_would_be_empty_is_refused_without_commit() -> None:
    world = World({APPLE.id: 0})
    with pytest.raises(OrderWouldBeEmpty):
        await world.place(command((APPLE, 1), (BREAD, 2)))
    assert world.orders.orders == {}
    assert world.uow.commits == 0
    assert world.uow.rollbacks == 1
    assert world.uow.published == [OrderRefused("out_of_stock")]


async def test_idempotent_retry_returns_the_same_order_and_takes_no_more_stock() -> None:
    world = World({APPLE.id: 10})
    first = await world.place(command((APPLE, 3), key="key-1"))
    again = await world.place(command((APPLE, 3), key="key-1"))
    assert (first.created, again.created) == (True, False)
    assert again.order.id == first.order.id
    assert world.on_hand(APPLE) == 7
    assert world.uow.commits == 1
    assert len(world.uow.published) == 1


async def test_same_key_with_another_body_is_a_conflict() -> None:
    world = World({APPLE.id: 10})
    await world.place(command((APPLE, 3), key="key-1"))
    with pytest.raises(Conflict, match="different request body"):
        await world.place(command((APPLE, 4), key="key-1"))
    assert world.on_hand(APPLE) == 7
    assert world.refusals() == ["idempotency_conflict"]


async def test_losing_a_same_key_race_replays_the_winner() -> None:
    world = World({APPLE.id: 10})
    winner = await world.place(command((APPLE, 3), key="key-1"))

    class LateLookup(InMemoryIdempotencyKeys):
        """Does not see the winner at first, as a concurrent request would not."""

        calls = 0

        async def find(self, key: str) -> IdempotentRequest | None:
            self.calls += 1
            return None if self.calls == 1 else await super().find(key)

    late = LateLookup()
    late.requests = world.keys.requests
    racer = PlaceOrder(world.uow, world.orders, late, FakeCatalog(APPLE), world.inventory, clock=world.clock)

    replay = await racer(command((APPLE, 3), key="key-1"))

    assert (replay.created, replay.order.id) == (False, winner.order.id)
    assert world.uow.commits == 1  # the loser never committed; its reservation was rolled back with it


async def test_cancel_releases_stock_once_and_is_idempotent() -> None:
    world = World({APPLE.id: 10})
    order = (await world.place(command((APPLE, 4)))).order
    world.clock.advance(60)
    cancelled = await world.cancel(order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.cancelled_at == world.clock.now()
    assert world.on_hand(APPLE) == 10
    again = await world.cancel(order.id)
    assert again.status is OrderStatus.CANCELLED
    assert world.on_hand(APPLE) == 10
    assert world.uow.commits == 2  # place + first cancel
    assert world.uow.published[1:] == [OrderCancelled(order.id, 1, Decimal("2.00"))]


async def test_cancel_unknown_order_is_not_found() -> None:
    with pytest.raises(NotFound):
        await World({}).cancel(uuid4())


async def test_get_and_list_orders() -> None:
    world = World({APPLE.id: 10})
    first = (await world.place(command((APPLE, 1)))).order
    second = (await world.place(command((APPLE, 1)))).order
    assert (await GetOrder(world.orders)(first.id)).id == first.id
    with pytest.raises(NotFound):
        await GetOrder(world.orders)(uuid4())
    page = await ListOrders(world.orders)(PageRequest(limit=10))
    assert page.total == 2
    assert {o.id for o in page.items} == {first.id, second.id}
