"""In-memory fakes of the ports: use-case tests become one-liners with no I/O."""

import copy
from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID

from modules.catalog.domain.product import Product
from modules.catalog.facade import ProductInfo, ProductListing, ProductListItem
from modules.inventory.domain.stock import OrderAllocations, Stock, StockLevel
from modules.inventory.domain.warehouse import Warehouse
from modules.ordering.application.ports import DuplicateIdempotencyKey, IdempotentRequest
from modules.ordering.domain.order import Order
from shared_kernel.application.events import EventBus, TransactionEvents
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.domain.errors import Conflict
from shared_kernel.domain.events import DomainEvent, RecordsEvents


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class RecordingBus(EventBus):
    """Keeps every published event, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[DomainEvent] = []

    def publish(self, events: Iterable[DomainEvent]) -> None:
        self.published.extend(events)


class FakeUnitOfWork:
    """Records commits, rollbacks and published events instead of talking to a database."""

    def __init__(self) -> None:
        self.commits = 0
        self.rollbacks = 0
        self._committed_in_block = False
        self.bus = RecordingBus()
        self._events = TransactionEvents(self.bus)

    @property
    def published(self) -> list[DomainEvent]:
        return self.bus.published

    async def __aenter__(self) -> Self:
        self._committed_in_block = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed_in_block:
            self.rollbacks += 1
        self._events.ended(exc)

    def collect(self, aggregate: RecordsEvents) -> None:
        self._events.collect(aggregate)

    async def commit(self) -> None:
        self.commits += 1
        self._committed_in_block = True
        self._events.committed()


class InMemoryProductRepository:
    def __init__(self, *products: Product) -> None:
        self.products: dict[UUID, Product] = {p.id: p for p in products}

    async def add(self, product: Product) -> None:
        self.products[product.id] = product

    async def get(self, product_id: UUID) -> Product | None:
        return self.products.get(product_id)

    async def save(self, product: Product) -> None:
        self.products[product.id] = product

    async def list_page(self, page: PageRequest, *, search: str = "") -> Page[Product]:
        matching = [p for p in self.products.values() if search.lower() in f"{p.name}\n{p.description}".lower()]
        ordered = sorted(matching, key=lambda p: (p.created_at, p.id), reverse=True)
        items = ordered[page.offset : page.offset + page.limit]
        return Page(items=items, total=len(ordered), limit=page.limit, offset=page.offset)

    async def infos(self, product_ids: Collection[UUID]) -> list[ProductInfo]:
        return [
            ProductInfo(id=p.id, name=p.name, price=p.price) for pid in product_ids if (p := self.products.get(pid))
        ]

    async def ids(self, *, limit: int) -> list[UUID]:
        return [p.id for p in sorted(self.products.values(), key=lambda p: (p.created_at, p.id))][:limit]


class FakeCatalog:
    """CatalogFacade over a fixed set of products."""

    def __init__(self, *products: ProductInfo) -> None:
        self.products = {p.id: p for p in products}

    async def get_products(self, product_ids: Collection[UUID]) -> dict[UUID, ProductInfo]:
        return {pid: self.products[pid] for pid in product_ids if pid in self.products}

    async def product_ids(self, *, limit: int) -> list[UUID]:
        return list(self.products)[:limit]

    async def list_products(self, *, search: str = "", limit: int = 20, offset: int = 0) -> ProductListing:
        newest_first = [p for p in reversed(self.products.values()) if search.lower() in p.name.lower()]
        items = tuple(ProductListItem(p.id, p.name, "", p.price) for p in newest_first[offset : offset + limit])
        return ProductListing(items=items, total=len(newest_first), limit=limit, offset=offset)


class InMemoryWarehouseRepository:
    def __init__(self, *warehouses: Warehouse) -> None:
        self.warehouses: dict[UUID, Warehouse] = {w.id: w for w in warehouses}

    async def add(self, warehouse: Warehouse) -> None:
        if any(w.name == warehouse.name for w in self.warehouses.values()):
            raise Conflict(f"a warehouse named {warehouse.name!r} exists already")
        self.warehouses[warehouse.id] = warehouse

    async def get(self, warehouse_id: UUID) -> Warehouse | None:
        return self.warehouses.get(warehouse_id)

    async def list_page(self, page: PageRequest) -> Page[Warehouse]:
        ordered = sorted(self.warehouses.values(), key=lambda w: (w.created_at, w.id), reverse=True)
        items = ordered[page.offset : page.offset + page.limit]
        return Page(items=items, total=len(ordered), limit=page.limit, offset=page.offset)


class InMemoryStockRepository:
    """Stock levels and reservations in dicts; no locking is needed without concurrency."""

    def __init__(self) -> None:
        self.quantities: dict[tuple[UUID, UUID], int] = {}  # (product, warehouse) -> quantity
        self.reservations: dict[UUID, OrderAllocations] = {}

    async def set_quantity(self, level: StockLevel) -> None:
        self.quantities[(level.product_id, level.warehouse_id)] = level.quantity

    async def levels_of(self, product_id: UUID) -> list[StockLevel]:
        return sorted(
            (StockLevel(p, w, q) for (p, w), q in self.quantities.items() if p == product_id),
            key=lambda s: s.warehouse_id,
        )

    async def available(self, product_ids: Collection[UUID]) -> dict[UUID, int]:
        totals: dict[UUID, int] = {}
        for (product_id, _), quantity in self.quantities.items():
            if product_id in product_ids:
                totals[product_id] = totals.get(product_id, 0) + quantity
        return totals

    async def lock(self, product_ids: Collection[UUID], *, including_empty: bool = False) -> Stock:
        return Stock.of(
            StockLevel(p, w, q)
            for (p, w), q in sorted(self.quantities.items())
            if p in product_ids and (including_empty or q > 0)
        )

    async def add_reservation(self, stock: Stock, reservation: OrderAllocations) -> None:
        self._store(stock)
        self.reservations[reservation.order_ref] = copy.deepcopy(reservation)

    async def reservation_of(self, order_ref: UUID) -> OrderAllocations | None:
        return copy.deepcopy(self.reservations.get(order_ref))

    async def save_release(self, stock: Stock, reservation: OrderAllocations) -> None:
        self._store(stock)
        self.reservations[reservation.order_ref] = copy.deepcopy(reservation)

    def _store(self, stock: Stock) -> None:
        for level in stock.changed_levels():
            assert level.quantity >= 0, "would go negative"
            self.quantities[(level.product_id, level.warehouse_id)] = level.quantity


def _stored(order: Order) -> Order:
    """A copy as a database would hold it: no pending events."""
    stored = copy.deepcopy(order)
    stored.events.clear()
    return stored


class InMemoryOrderRepository:
    def __init__(self) -> None:
        self.orders: dict[UUID, Order] = {}

    async def add(self, order: Order) -> None:
        self.orders[order.id] = _stored(order)

    async def get(self, order_id: UUID, *, for_update: bool = False) -> Order | None:
        order = self.orders.get(order_id)
        return copy.deepcopy(order) if order else None

    async def save_status(self, order: Order) -> None:
        self.orders[order.id].status = order.status
        self.orders[order.id].cancelled_at = order.cancelled_at

    async def list_page(self, page: PageRequest) -> Page[Order]:
        ordered = sorted(self.orders.values(), key=lambda o: (o.created_at, o.id), reverse=True)
        items = ordered[page.offset : page.offset + page.limit]
        return Page(items=items, total=len(ordered), limit=page.limit, offset=page.offset)


class InMemoryIdempotencyKeys:
    def __init__(self) -> None:
        self.requests: dict[str, IdempotentRequest] = {}

    async def find(self, key: str) -> IdempotentRequest | None:
        return self.requests.get(key)

    async def add(self, request: IdempotentRequest) -> None:
        if request.key in self.requests:
            raise DuplicateIdempotencyKey
        self.requests[request.key] = request
