"""What the pages show: plain data the use cases hand to the templates."""

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from modules.ordering.facade import OrderInfo
from modules.storefront.domain.paging import Pagination


@dataclass(frozen=True, slots=True)
class ProductRow:
    id: UUID
    name: str
    description: str
    price: Decimal
    available: int
    entered: str = ""  # the quantity typed before a refusal, shown again


@dataclass(frozen=True, slots=True)
class CatalogPage:
    products: list[ProductRow]
    search: str
    pagination: Pagination
    form_key: str  # a fresh idempotency key: one order per rendered form
    message: str | None = None  # why the last submission was refused


@dataclass(frozen=True, slots=True)
class MissingProduct:
    name: str
    requested_quantity: int


@dataclass(frozen=True, slots=True)
class OrderPage:
    order: OrderInfo
    out_of_stock: list[MissingProduct] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OrdersPage:
    orders: list[OrderInfo]
    pagination: Pagination
