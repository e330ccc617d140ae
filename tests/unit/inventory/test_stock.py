"""The Stock and OrderAllocations aggregates: the allocation rule (most-stocked warehouse first, ties by
warehouse id, never more than requested), the bounds, and releasing once."""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from modules.inventory.domain.stock import (
    MAX_ON_HAND,
    MAX_RESERVATION,
    Allocation,
    OrderAllocations,
    Stock,
    StockLevel,
    reserved_per_product,
)
from shared_kernel.domain.errors import InvalidInput

PRODUCT = UUID(int=100)
OTHER = UUID(int=200)
W1, W2, W3 = UUID(int=1), UUID(int=2), UUID(int=3)


def levels(product: UUID, **quantities: int) -> list[StockLevel]:
    ids = {"w1": W1, "w2": W2, "w3": W3}
    return [StockLevel(product, ids[name], quantity) for name, quantity in quantities.items()]


def allocate(requested: Mapping[UUID, int], levels: Iterable[StockLevel]) -> list[Allocation]:
    return Stock.of(levels).reserve(requested)


def test_full_quantity_from_the_warehouse_with_most_stock() -> None:
    plan = allocate({PRODUCT: 4}, levels(PRODUCT, w1=5, w2=9, w3=7))
    assert plan == [Allocation(PRODUCT, W2, 4)]
    assert reserved_per_product({PRODUCT: 4}, plan) == {PRODUCT: 4}


def test_spills_over_to_the_next_biggest_warehouses() -> None:
    plan = allocate({PRODUCT: 15}, levels(PRODUCT, w1=5, w2=9, w3=7))
    assert plan == [Allocation(PRODUCT, W2, 9), Allocation(PRODUCT, W3, 6)]


def test_partial_when_all_warehouses_together_hold_too_little() -> None:
    plan = allocate({PRODUCT: 100}, levels(PRODUCT, w1=5, w2=9, w3=7))
    assert plan == [Allocation(PRODUCT, W2, 9), Allocation(PRODUCT, W3, 7), Allocation(PRODUCT, W1, 5)]
    assert reserved_per_product({PRODUCT: 100}, plan) == {PRODUCT: 21}


def test_zero_when_nothing_is_in_stock() -> None:
    assert allocate({PRODUCT: 3}, levels(PRODUCT, w1=0, w2=0)) == []
    assert allocate({PRODUCT: 3}, []) == []
    assert reserved_per_product({PRODUCT: 3}, []) == {PRODUCT: 0}


def test_ties_are_broken_by_warehouse_id() -> None:
    plan = allocate({PRODUCT: 6}, levels(PRODUCT, w3=4, w1=4, w2=4))
    assert plan == [Allocation(PRODUCT, W1, 4), Allocation(PRODUCT, W2, 2)]


def test_exact_total_empties_every_warehouse() -> None:
    plan = allocate({PRODUCT: 12}, levels(PRODUCT, w1=5, w2=7))
    assert sum(a.quantity for a in plan) == 12
    assert {a.warehouse_id: a.quantity for a in plan} == {W1: 5, W2: 7}


def test_several_products_are_planned_independently() -> None:
    stock = levels(PRODUCT, w1=2, w2=3) + levels(OTHER, w1=10)
    plan = allocate({PRODUCT: 4, OTHER: 1}, stock)
    assert plan == [Allocation(PRODUCT, W2, 3), Allocation(PRODUCT, W1, 1), Allocation(OTHER, W1, 1)]
    assert reserved_per_product({PRODUCT: 4, OTHER: 1}, plan) == {PRODUCT: 4, OTHER: 1}


def test_stock_of_products_not_requested_is_ignored() -> None:
    assert allocate({PRODUCT: 1}, levels(OTHER, w1=10)) == []


def test_reserving_lowers_the_levels_it_took_from_and_marks_them_changed() -> None:
    stock = Stock.of(levels(PRODUCT, w1=5, w2=9) + levels(OTHER, w3=1))
    stock.reserve({PRODUCT: 11})
    assert stock.changed_levels() == [StockLevel(PRODUCT, W1, 3), StockLevel(PRODUCT, W2, 0)]


@pytest.mark.parametrize("quantity", [0, -1, MAX_RESERVATION + 1, True])
def test_a_reservation_is_bounded(quantity: int) -> None:
    with pytest.raises(InvalidInput):
        Stock.of(levels(PRODUCT, w1=5)).reserve({PRODUCT: quantity})


def test_put_back_restores_levels_but_never_beyond_max_on_hand() -> None:
    stock = Stock.of(levels(PRODUCT, w1=0, w2=MAX_ON_HAND - 1))
    stock.put_back([Allocation(PRODUCT, W1, 4), Allocation(PRODUCT, W2, 4)])
    assert stock.changed_levels() == [StockLevel(PRODUCT, W1, 4), StockLevel(PRODUCT, W2, MAX_ON_HAND)]


def test_an_order_allocation_is_released_once() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    taken = [Allocation(PRODUCT, W1, 2)]
    reservation = OrderAllocations(uuid4(), taken, reserved_at=now)
    assert reservation.release(now) == taken
    assert reservation.released_at == now
    assert reservation.release(now) == []
    assert OrderAllocations(uuid4(), [], reserved_at=now).release(now) == []
