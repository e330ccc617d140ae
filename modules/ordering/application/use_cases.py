"""Reading and cancelling orders."""

from uuid import UUID

from modules.inventory.facade import ReserveStock
from modules.ordering.application.ports import OrderEvents, OrderRepository
from modules.ordering.domain.order import Order
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.application.unit_of_work import UnitOfWork
from shared_kernel.domain.errors import NotFound


def _not_found(order_id: UUID) -> NotFound:
    return NotFound(f"order {order_id} does not exist")


class CancelOrder:
    """Cancel an order and put its stock back, in one transaction; cancelling twice changes nothing."""

    def __init__(self, uow: UnitOfWork, orders: OrderRepository, inventory: ReserveStock, events: OrderEvents) -> None:
        self._uow = uow
        self._orders = orders
        self._inventory = inventory
        self._events = events

    async def __call__(self, order_id: UUID) -> Order:
        async with self._uow:
            # The row lock makes concurrent cancels of one order queue: only the first one releases stock.
            order = await self._orders.get(order_id, for_update=True)
            if order is None:
                raise _not_found(order_id)
            if not order.cancel():
                return order
            await self._inventory.release(order.id)
            await self._orders.save_status(order)
            await self._uow.commit()
        self._events.cancelled(order)
        return order


class GetOrder:
    def __init__(self, orders: OrderRepository) -> None:
        self._orders = orders

    async def __call__(self, order_id: UUID) -> Order:
        order = await self._orders.get(order_id)
        if order is None:
            raise _not_found(order_id)
        return order


class ListOrders:
    def __init__(self, orders: OrderRepository) -> None:
        self._orders = orders

    async def __call__(self, page: PageRequest) -> Page[Order]:
        return await self._orders.list_page(page)
