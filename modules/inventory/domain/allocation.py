"""The allocation rule: which warehouses give how much of a product to one order.

Each product gets the requested quantity if all warehouses together hold enough, else everything they hold.
Stock is taken from the warehouse holding the most first (fewest shipments), ties broken by warehouse id,
so the same stock always yields the same plan.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class StockLevel:
    product_id: UUID
    warehouse_id: UUID
    quantity: int


@dataclass(frozen=True, slots=True)
class Allocation:
    """`quantity` units of `product_id` taken from `warehouse_id`."""

    product_id: UUID
    warehouse_id: UUID
    quantity: int


def allocate(requested: Mapping[UUID, int], stock: Iterable[StockLevel]) -> list[Allocation]:
    """Plan the allocations for `requested` (product -> quantity) from the given stock levels."""
    by_product: dict[UUID, list[StockLevel]] = {}
    for level in stock:
        if level.quantity > 0:
            by_product.setdefault(level.product_id, []).append(level)
    plan: list[Allocation] = []
    for product_id, quantity in requested.items():
        missing = quantity
        levels = sorted(by_product.get(product_id, ()), key=lambda s: (-s.quantity, s.warehouse_id))
        for level in levels:
            if missing <= 0:
                break
            taken = min(missing, level.quantity)
            plan.append(Allocation(product_id, level.warehouse_id, taken))
            missing -= taken
    return plan


def reserved_per_product(requested: Mapping[UUID, int], plan: Iterable[Allocation]) -> dict[UUID, int]:
    """Total allocated per requested product (0 for a product nothing was found for)."""
    totals = dict.fromkeys(requested, 0)
    for allocation in plan:
        totals[allocation.product_id] += allocation.quantity
    return totals
