"""Warehouses: where stock is held."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from shared_kernel.domain.text import clean_text

NAME_MAX_LENGTH = 200
ADDRESS_MAX_LENGTH = 500


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
