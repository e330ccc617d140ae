"""The Product entity and its rules."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from shared_kernel.domain.money import to_money
from shared_kernel.domain.text import clean_text

NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000


def _name(value: str) -> str:
    return clean_text(value, field="name", max_length=NAME_MAX_LENGTH, required=True)


def _description(value: str) -> str:
    return clean_text(value, field="description", max_length=DESCRIPTION_MAX_LENGTH, required=False)


@dataclass(slots=True)
class Product:
    id: UUID
    name: str
    description: str
    price: Decimal
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(cls, *, name: str, description: str, price: Decimal | int | str, now: datetime) -> "Product":
        return cls(
            id=uuid4(),
            name=_name(name),
            description=_description(description),
            price=to_money(price),
            created_at=now,
            updated_at=now,
        )

    def change(
        self,
        *,
        now: datetime,
        name: str | None = None,
        description: str | None = None,
        price: Decimal | int | str | None = None,
    ) -> None:
        """Apply a partial update; every given value is validated before anything changes."""
        new_name = self.name if name is None else _name(name)
        new_description = self.description if description is None else _description(description)
        new_price = self.price if price is None else to_money(price)
        self.name, self.description, self.price = new_name, new_description, new_price
        self.updated_at = now
