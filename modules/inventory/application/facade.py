"""The inventory facade's implementation: the Stock and OrderAllocations aggregates over locked rows."""

from collections.abc import Collection, Mapping
from uuid import UUID

from modules.inventory.application.ports import StockRepository
from modules.inventory.domain.stock import OrderAllocations, reserved_per_product, total_per_product
from shared_kernel.application.clock import Clock


class InventoryFacadeService:
    """Runs inside the caller's transaction and never commits (see modules.inventory.facade)."""

    def __init__(self, stock: StockRepository, clock: Clock) -> None:
        self._stock = stock
        self._clock = clock

    async def reserve(self, order_ref: UUID, quantities: Mapping[UUID, int]) -> dict[UUID, int]:
        if not quantities:
            return {}
        stock = await self._stock.lock(quantities.keys())
        plan = stock.reserve(quantities)
        if plan:
            await self._stock.add_reservation(stock, OrderAllocations(order_ref, plan, reserved_at=self._clock.now()))
        return reserved_per_product(quantities, plan)

    async def release(self, order_ref: UUID) -> dict[UUID, int]:
        reservation = await self._stock.reservation_of(order_ref)
        returned = [] if reservation is None else reservation.release(self._clock.now())
        if reservation is None or not returned:
            return {}
        stock = await self._stock.lock({a.product_id for a in returned}, including_empty=True)
        stock.put_back(returned)
        await self._stock.save_release(stock, reservation)
        return total_per_product(returned)

    async def available_quantities(self, product_ids: Collection[UUID]) -> dict[UUID, int]:
        available = await self._stock.available(product_ids)
        return {product_id: available.get(product_id, 0) for product_id in product_ids}
