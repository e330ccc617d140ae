"""Ordering use cases: one class each, depending only on ports and the catalog's and inventory's facades."""

import hashlib
import json
from dataclasses import dataclass
from uuid import UUID, uuid4

from modules.catalog.facade import CatalogFacade
from modules.inventory.facade import InventoryFacade
from modules.ordering.application.ports import (
    DuplicateIdempotencyKey,
    IdempotencyKeys,
    IdempotentRequest,
    OrderRepository,
)
from modules.ordering.domain.events import OrderRefused
from modules.ordering.domain.order import Order, PricedProduct, RequestedLine, UnknownProducts, merge_requested
from shared_kernel.application.clock import Clock
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.application.unit_of_work import UnitOfWork
from shared_kernel.domain.errors import Conflict, NotFound


@dataclass(frozen=True, slots=True)
class PlaceOrderCommand:
    lines: list[RequestedLine]
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    order: Order
    created: bool  # False when an idempotent retry returned the order placed before


class IdempotencyKeyReused(Conflict):
    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was used with a different request body")
        self.event = OrderRefused("idempotency_conflict")


def request_digest(lines: list[RequestedLine]) -> str:
    """Fingerprint of what was asked for (after merging), to recognise a retry of the same request."""
    canonical = json.dumps([[str(line.product_id), line.quantity] for line in lines], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _not_found(order_id: UUID) -> NotFound:
    return NotFound(f"order {order_id} does not exist")


class PlaceOrder:
    """Catalog snapshot, stock reservation and the order itself, in one transaction."""

    def __init__(
        self,
        uow: UnitOfWork,
        orders: OrderRepository,
        keys: IdempotencyKeys,
        catalog: CatalogFacade,
        inventory: InventoryFacade,
        *,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._orders = orders
        self._keys = keys
        self._catalog = catalog
        self._inventory = inventory
        self._clock = clock

    async def __call__(self, command: PlaceOrderCommand) -> Placement:
        requested = merge_requested(command.lines)
        key = command.idempotency_key
        digest = request_digest(requested) if key else ""
        try:
            return await self._place(requested, key, digest)
        except DuplicateIdempotencyKey:
            # A concurrent retry with the same key won the race; our transaction was rolled back.
            async with self._uow:
                return await self._replay(key or "", digest)

    async def _place(self, requested: list[RequestedLine], key: str | None, digest: str) -> Placement:
        async with self._uow:
            if key and (previous := await self._keys.find(key)):
                return await self._replayed(previous, digest)
            products = await self._catalog.get_products([line.product_id for line in requested])
            unknown = [line.product_id for line in requested if line.product_id not in products]
            if unknown:
                raise UnknownProducts(unknown)
            order_id = uuid4()
            # Catalog is read before stock is locked: locks are held as briefly as possible.
            reserved = await self._inventory.reserve(order_id, {line.product_id: line.quantity for line in requested})
            order = Order.place(
                order_id=order_id,
                now=self._clock.now(),
                requested=requested,
                products={pid: PricedProduct(p.name, p.price) for pid, p in products.items()},
                reserved=reserved,
            )
            await self._orders.add(order)
            if key:
                await self._keys.add(IdempotentRequest(key, digest, order_id))
            self._uow.collect(order)
            await self._uow.commit()
        return Placement(order=order, created=True)

    async def _replay(self, key: str, digest: str) -> Placement:
        previous = await self._keys.find(key)
        if previous is None:  # the key was taken a moment ago, and keys are never deleted
            msg = f"idempotency key {key!r} vanished"
            raise RuntimeError(msg)
        return await self._replayed(previous, digest)

    async def _replayed(self, previous: IdempotentRequest, digest: str) -> Placement:
        """The order placed before with the same key, if this request asks for the same thing."""
        if previous.digest != digest:
            raise IdempotencyKeyReused
        order = await self._orders.get(previous.order_id)
        if order is None:  # a key is stored with its order, in one transaction
            raise _not_found(previous.order_id)
        return Placement(order=order, created=False)


class CancelOrder:
    """Cancel an order and put its stock back, in one transaction; cancelling twice changes nothing."""

    def __init__(self, uow: UnitOfWork, orders: OrderRepository, inventory: InventoryFacade, clock: Clock) -> None:
        self._uow = uow
        self._orders = orders
        self._inventory = inventory
        self._clock = clock

    async def __call__(self, order_id: UUID) -> Order:
        async with self._uow:
            # The row lock makes concurrent cancels of one order queue: only the first one releases stock.
            order = await self._orders.get(order_id, for_update=True)
            if order is None:
                raise _not_found(order_id)
            if not order.cancel(self._clock.now()):
                return order
            await self._inventory.release(order.id)
            await self._orders.save_status(order)
            self._uow.collect(order)
            await self._uow.commit()
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
