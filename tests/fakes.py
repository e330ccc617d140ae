"""In-memory fakes of the ports: use-case tests become one-liners with no I/O."""

import copy
from collections.abc import Collection, Sequence
from types import TracebackType
from typing import Self
from uuid import UUID

from modules.catalog.domain.product import Product
from modules.catalog.facade import ProductInfo
from modules.inventory.domain.allocation import Allocation, StockLevel
from modules.inventory.domain.warehouse import Warehouse
from modules.ordering.application.ports import DuplicateIdempotencyKey
from modules.ordering.domain.order import Order
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.domain.errors import Conflict


class FakeUnitOfWork:
    """Records commits and rollbacks instead of talking to a database."""

    def __init__(self) -> None:
        self.commits = 0
        self.rollbacks = 0
        self._committed_in_block = False

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

    async def commit(self) -> None:
        self.commits += 1
        self._committed_in_block = True


class InMemoryProductRepository:
    def __init__(self, *products: Product) -> None:
        self.products: dict[UUID, Product] = {p.id: p for p in products}

    async def add(self, product: Product) -> None:
        self.products[product.id] = product

    async def get(self, product_id: UUID) -> Product | None:
        return self.products.get(product_id)

    async def save(self, product: Product) -> None:
        self.products[product.id] = product

    async def list_page(self, page: PageRequest) -> Page[Product]:
        ordered = sorted(self.products.values(), key=lambda p: (p.created_at, p.id), reverse=True)
        items = ordered[page.offset : page.offset + page.limit]
        return Page(items=items, total=len(ordered), limit=page.limit, offset=page.offset)

    async def infos(self, product_ids: Collection[UUID]) -> list[ProductInfo]:
        return [
            ProductInfo(id=p.id, name=p.name, price=p.price) for pid in product_ids if (p := self.products.get(pid))
        ]


class FakeCatalog:
    """CatalogFacade over a fixed set of products."""

    def __init__(self, *products: ProductInfo) -> None:
        self.products = {p.id: p for p in products}

    async def get_products(self, product_ids: Collection[UUID]) -> dict[UUID, ProductInfo]:
        return {pid: self.products[pid] for pid in product_ids if pid in self.products}


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
    """Stock levels and allocations in dicts; no locking is needed without concurrency."""

    def __init__(self) -> None:
        self.quantities: dict[tuple[UUID, UUID], int] = {}  # (product, warehouse) -> quantity
        self.allocations: dict[UUID, list[Allocation]] = {}
        self.released: set[UUID] = set()

    async def set_quantity(self, warehouse_id: UUID, product_id: UUID, quantity: int) -> None:
        self.quantities[(product_id, warehouse_id)] = quantity

    async def lock_allocated(self, warehouse_id: UUID, product_id: UUID) -> int:
        return sum(
            a.quantity
            for order_ref, plan in self.allocations.items()
            if order_ref not in self.released
            for a in plan
            if (a.warehouse_id, a.product_id) == (warehouse_id, product_id)
        )

    async def levels_of(self, product_id: UUID) -> list[StockLevel]:
        return sorted(
            (StockLevel(p, w, q) for (p, w), q in self.quantities.items() if p == product_id),
            key=lambda s: s.warehouse_id,
        )

    async def lock_levels(self, product_ids: Collection[UUID]) -> list[StockLevel]:
        return [StockLevel(p, w, q) for (p, w), q in sorted(self.quantities.items()) if p in product_ids and q > 0]

    async def take(self, order_ref: UUID, plan: Sequence[Allocation]) -> None:
        for allocation in plan:
            key = (allocation.product_id, allocation.warehouse_id)
            assert self.quantities[key] >= allocation.quantity, "would go negative"
            self.quantities[key] -= allocation.quantity
        self.allocations.setdefault(order_ref, []).extend(plan)

    async def give_back(self, order_ref: UUID) -> list[Allocation]:
        if order_ref in self.released:
            return []
        self.released.add(order_ref)
        plan = self.allocations.get(order_ref, [])
        for allocation in plan:
            self.quantities[(allocation.product_id, allocation.warehouse_id)] += allocation.quantity
        return list(plan)


class InMemoryOrderRepository:
    def __init__(self) -> None:
        self.orders: dict[UUID, Order] = {}
        self.keys: dict[str, tuple[UUID, str]] = {}

    async def add(self, order: Order, *, idempotency_key: str | None, request_digest: str | None) -> None:
        if idempotency_key is not None:
            if idempotency_key in self.keys:
                raise DuplicateIdempotencyKey
            self.keys[idempotency_key] = (order.id, request_digest or "")
        self.orders[order.id] = copy.deepcopy(order)

    async def get(self, order_id: UUID, *, for_update: bool = False) -> Order | None:
        order = self.orders.get(order_id)
        return copy.deepcopy(order) if order else None

    async def find_by_idempotency_key(self, key: str) -> tuple[Order, str] | None:
        if key not in self.keys:
            return None
        order_id, digest = self.keys[key]
        return copy.deepcopy(self.orders[order_id]), digest

    async def save_status(self, order: Order) -> None:
        self.orders[order.id].status = order.status

    async def list_page(self, page: PageRequest) -> Page[Order]:
        ordered = sorted(self.orders.values(), key=lambda o: (o.created_at, o.id), reverse=True)
        items = ordered[page.offset : page.offset + page.limit]
        return Page(items=items, total=len(ordered), limit=page.limit, offset=page.offset)


class RecordingOrderEvents:
    def __init__(self) -> None:
        self.placed_orders: list[Order] = []
        self.refusals: list[str] = []
        self.cancelled_orders: list[Order] = []

    def placed(self, order: Order) -> None:
        self.placed_orders.append(order)

    def refused(self, reason: str) -> None:
        self.refusals.append(reason)

    def cancelled(self, order: Order) -> None:
        self.cancelled_orders.append(order)
