"""The ReserveStock facade's implementation: the allocation rule applied to locked stock rows."""

from collections.abc import Mapping
from uuid import UUID

from modules.inventory.application.ports import StockRepository
from modules.inventory.domain.allocation import allocate, reserved_per_product
from shared_kernel.domain.errors import InvalidInput


class ReserveStockService:
    """Runs inside the caller's transaction and never commits (see modules.inventory.facade)."""

    def __init__(self, stock: StockRepository) -> None:
        self._stock = stock

    async def reserve(self, order_ref: UUID, quantities: Mapping[UUID, int]) -> dict[UUID, int]:
        if any(quantity <= 0 for quantity in quantities.values()):
            raise InvalidInput("reserved quantities must be positive", field="quantity")
        if not quantities:
            return {}
        levels = await self._stock.lock_levels(quantities.keys())
        plan = allocate(quantities, levels)
        if plan:
            await self._stock.take(order_ref, plan)
        return reserved_per_product(quantities, plan)

    async def release(self, order_ref: UUID) -> dict[UUID, int]:
        returned: dict[UUID, int] = {}
        for allocation in await self._stock.give_back(order_ref):
            returned[allocation.product_id] = returned.get(allocation.product_id, 0) + allocation.quantity
        return returned
