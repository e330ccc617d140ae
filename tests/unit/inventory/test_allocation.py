"""The allocation rule: most-stocked warehouse first, ties by warehouse id, never more than requested."""

from uuid import UUID

from modules.inventory.domain.allocation import Allocation, StockLevel, allocate, reserved_per_product

PRODUCT = UUID(int=100)
OTHER = UUID(int=200)
W1, W2, W3 = UUID(int=1), UUID(int=2), UUID(int=3)


def levels(product: UUID, **quantities: int) -> list[StockLevel]:
    ids = {"w1": W1, "w2": W2, "w3": W3}
    return [StockLevel(product, ids[name], quantity) for name, quantity in quantities.items()]


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
