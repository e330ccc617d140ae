"""PlaceOrder: catalog snapshot, stock reservation and the order itself, in one transaction."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from modules.catalog.facade import CatalogFacade
from modules.inventory.facade import ReserveStock
from modules.ordering.application.ports import DuplicateIdempotencyKey, OrderEvents, OrderRepository
from modules.ordering.domain.order import Order, OrderWouldBeEmpty, PricedProduct, RequestedLine, merge_requested
from shared_kernel.application.unit_of_work import UnitOfWork
from shared_kernel.domain.errors import Conflict, UnknownReferences


@dataclass(frozen=True, slots=True)
class PlaceOrderCommand:
    lines: list[RequestedLine]
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    order: Order
    created: bool  # False when an idempotent retry returned the order placed before


def request_digest(lines: list[RequestedLine]) -> str:
    """Fingerprint of what was asked for (after merging), to recognise a retry of the same request."""
    canonical = json.dumps([[str(line.product_id), line.quantity] for line in lines], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class PlaceOrder:
    def __init__(
        self,
        uow: UnitOfWork,
        orders: OrderRepository,
        catalog: CatalogFacade,
        inventory: ReserveStock,
        events: OrderEvents,
    ) -> None:
        self._uow = uow
        self._orders = orders
        self._catalog = catalog
        self._inventory = inventory
        self._events = events

    async def __call__(self, command: PlaceOrderCommand) -> Placement:
        requested = merge_requested(command.lines)
        key = command.idempotency_key
        digest = request_digest(requested) if key else None
        try:
            try:
                placement = await self._place(requested, key, digest)
            except DuplicateIdempotencyKey:
                # A concurrent retry with the same key won the race; our transaction was rolled back.
                placement = await self._replay(key or "", digest or "")
        except OrderWouldBeEmpty:
            self._events.refused("out_of_stock")
            raise
        except UnknownReferences:
            self._events.refused("unknown_products")
            raise
        except Conflict:
            self._events.refused("idempotency_conflict")
            raise
        if placement.created:
            self._events.placed(placement.order)
        return placement

    async def _place(self, requested: list[RequestedLine], key: str | None, digest: str | None) -> Placement:
        async with self._uow:
            if key and (previous := await self._orders.find_by_idempotency_key(key)):
                return _replayed(*previous, digest or "")
            products = await self._catalog.get_products([line.product_id for line in requested])
            unknown = [str(line.product_id) for line in requested if line.product_id not in products]
            if unknown:
                raise UnknownReferences(f"unknown products: {', '.join(unknown)}", references=unknown)
            order_id = uuid4()
            # Catalog is read before stock is locked: locks are held as briefly as possible.
            reserved = await self._inventory.reserve(order_id, {line.product_id: line.quantity for line in requested})
            order = Order.place(
                order_id=order_id,
                now=datetime.now(UTC),
                requested=requested,
                products={pid: PricedProduct(p.name, p.price) for pid, p in products.items()},
                reserved=reserved,
            )
            await self._orders.add(order, idempotency_key=key, request_digest=digest)
            await self._uow.commit()
        return Placement(order=order, created=True)

    async def _replay(self, key: str, digest: str) -> Placement:
        async with self._uow:
            previous = await self._orders.find_by_idempotency_key(key)
        if previous is None:  # the key was taken a moment ago, and keys are never deleted
            msg = f"idempotency key {key!r} vanished"
            raise RuntimeError(msg)
        return _replayed(*previous, digest)


def _replayed(order: Order, stored_digest: str, digest: str) -> Placement:
    if stored_digest != digest:
        raise Conflict("this Idempotency-Key was used with a different request body")
    return Placement(order=order, created=False)
