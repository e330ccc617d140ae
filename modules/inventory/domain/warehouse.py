"""Warehouses and the rules for stock quantities."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from shared_kernel.domain.errors import Conflict, InvalidInput
from shared_kernel.domain.text import clean_text

NAME_MAX_LENGTH = 200
ADDRESS_MAX_LENGTH = 500
MAX_QUANTITY = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Warehouse:
    id: UUID
    name: str
    address: str
    created_at: datetime

    @classmethod
    def create(cls, *, name: str, address: str, now: datetime) -> "Warehouse":
        return cls(
            id=uuid4(),
            name=clean_text(name, field="name", max_length=NAME_MAX_LENGTH, required=True),
            address=clean_text(address, field="address", max_length=ADDRESS_MAX_LENGTH, required=False),
            created_at=now,
        )


def stock_quantity(value: int) -> int:
    """A quantity on hand: a whole number from 0 to MAX_QUANTITY."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_QUANTITY:
        raise InvalidInput(f"quantity must be an integer from 0 to {MAX_QUANTITY}", field="quantity")
    return value


def check_room(quantity: int, allocated: int) -> None:
    """A warehouse holds at most MAX_QUANTITY of a product, counting the units it has allocated to orders
    that may still be cancelled: those come back. Placing and cancelling orders only move units between the
    two, so with this rule on restocking no sequence of requests can push a stock past MAX_QUANTITY (and the
    stock column can never overflow, nor a cancel fail)."""
    if quantity + allocated > MAX_QUANTITY:
        msg = (
            f"quantity {quantity} plus the {allocated} allocated to open orders (they return if cancelled) "
            f"would exceed {MAX_QUANTITY}"
        )
        raise StockLimitExceeded(msg)


class StockLimitExceeded(Conflict):
    title = "Stock limit exceeded"
