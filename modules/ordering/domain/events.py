"""What happens to orders, as facts the Order aggregate records (metrics and log lines subscribe)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from uuid import UUID

from shared_kernel.domain.events import DomainEvent

type RefusalReason = Literal["out_of_stock", "unknown_products", "idempotency_conflict"]
REFUSAL_REASONS: tuple[RefusalReason, ...] = ("out_of_stock", "unknown_products", "idempotency_conflict")


@dataclass(frozen=True, slots=True)
class OrderPlaced(DomainEvent):
    order_id: UUID
    lines: int
    lines_cut_short: int
    lines_out_of_stock: int
    total: Decimal


@dataclass(frozen=True, slots=True)
class OrderCancelled(DomainEvent):
    order_id: UUID
    lines: int
    total: Decimal


@dataclass(frozen=True, slots=True)
class OrderRefused(DomainEvent):
    """A request to place an order was refused; nothing was stored."""

    reason: RefusalReason
