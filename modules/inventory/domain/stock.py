"""Stock: how much of each product every warehouse holds, and what each order took from it.

The allocation rule: each product gets the requested quantity if all warehouses together hold enough, else
everything they hold. Stock is taken from the warehouse holding the most first (fewest shipments), ties
broken by warehouse id, so the same stock always yields the same plan.

The bounds: a warehouse is told it holds at most MAX_QUANTITY of a product, and one order asks for at most
MAX_RESERVATION of it. Stock given back by a cancelled order may lift a level above MAX_QUANTITY (someone
restocked meanwhile) but never above MAX_ON_HAND: what would exceed it is not kept. So no sequence of
orders, restocks and cancels can overflow the stored level, and a cancel never fails.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from shared_kernel.domain.errors import InvalidInput

MAX_QUANTITY = 1_000_000_000
MAX_RESERVATION = 100_000_000  # an order's 100 lines of at most 1,000,000 units, all of one product
MAX_ON_HAND = 2_000_000_000  # stays below 2**31: the level is stored as a 32-bit integer


def stock_quantity(value: int) -> int:
    """A quantity on hand a warehouse may be told it holds: a whole number from 0 to MAX_QUANTITY."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_QUANTITY:
        raise InvalidInput(f"quantity must be an integer from 0 to {MAX_QUANTITY}", field="quantity")
    return value


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


@dataclass(slots=True)
class Stock:
    """Aggregate: the (locked) stock levels of some products across warehouses. It plans reservations and
    takes back what a cancelled order returns; `changed` lists the levels to store."""

    levels: dict[tuple[UUID, UUID], int]  # (product, warehouse) -> quantity on hand
    changed: set[tuple[UUID, UUID]] = field(default_factory=set)

    @classmethod
    def of(cls, levels: Iterable[StockLevel]) -> "Stock":
        return cls({(level.product_id, level.warehouse_id): level.quantity for level in levels})

    def reserve(self, requested: Mapping[UUID, int]) -> list[Allocation]:
        """Take stock for one order (product -> quantity): the allocation rule, applied to these levels."""
        for quantity in requested.values():
            if isinstance(quantity, bool) or not 0 < quantity <= MAX_RESERVATION:
                raise InvalidInput(f"a reserved quantity is from 1 to {MAX_RESERVATION}", field="quantity")
        plan: list[Allocation] = []
        for product_id, quantity in requested.items():
            missing = quantity
            for (_, warehouse_id), on_hand in self._fullest_first(product_id):
                if missing == 0:
                    break
                taken = min(missing, on_hand)
                plan.append(Allocation(product_id, warehouse_id, taken))
                self._set((product_id, warehouse_id), on_hand - taken)
                missing -= taken
        return plan

    def put_back(self, allocations: Iterable[Allocation]) -> None:
        """Return what an order took to the warehouses it came from (capped at MAX_ON_HAND)."""
        for allocation in allocations:
            key = (allocation.product_id, allocation.warehouse_id)
            self._set(key, min(self.levels.get(key, 0) + allocation.quantity, MAX_ON_HAND))

    def changed_levels(self) -> list[StockLevel]:
        return [StockLevel(p, w, self.levels[(p, w)]) for p, w in sorted(self.changed)]

    def _fullest_first(self, product_id: UUID) -> list[tuple[tuple[UUID, UUID], int]]:
        held = [(key, on_hand) for key, on_hand in self.levels.items() if key[0] == product_id and on_hand > 0]
        return sorted(held, key=lambda item: (-item[1], item[0][1]))

    def _set(self, key: tuple[UUID, UUID], quantity: int) -> None:
        self.levels[key] = quantity
        self.changed.add(key)


def total_per_product(allocations: Iterable[Allocation]) -> dict[UUID, int]:
    totals: dict[UUID, int] = {}
    for allocation in allocations:
        totals[allocation.product_id] = totals.get(allocation.product_id, 0) + allocation.quantity
    return totals


def reserved_per_product(requested: Mapping[UUID, int], plan: Iterable[Allocation]) -> dict[UUID, int]:
    """Total allocated per requested product (0 for a product nothing was found for)."""
    return {**dict.fromkeys(requested, 0), **total_per_product(plan)}


@dataclass(slots=True)
class OrderAllocations:
    """Aggregate: what one order took from which warehouse. It is released at most once."""

    order_ref: UUID
    allocations: list[Allocation]
    reserved_at: datetime
    released_at: datetime | None = None

    def release(self, now: datetime) -> list[Allocation]:
        """Mark the allocations released and return them, the first time; afterwards return nothing."""
        if self.released_at is not None or not self.allocations:
            return []
        self.released_at = now
        return list(self.allocations)
