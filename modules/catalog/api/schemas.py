"""Request and response bodies of the catalog API."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from modules.catalog.domain.product import Product
from shared_kernel.api.pagination import PageMeta
from shared_kernel.api.types import MoneyIn, MoneyOut

# Patterns say what the domain enforces too: not blank, no NUL (PostgreSQL text cannot hold it).
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[^\u0000]*\S[^\u0000]*$")]
Description = Annotated[str, msgspec.Meta(max_length=5000, pattern=r"^[^\u0000]*$")]


class CreateProductBody(msgspec.Struct):
    name: Name
    price: MoneyIn
    description: Description = ""


class PatchProductBody(msgspec.Struct):
    name: Name | None = None
    description: Description | None = None
    price: MoneyIn | None = None


class ProductOut(msgspec.Struct):
    id: UUID
    name: str
    description: str
    price: MoneyOut
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, product: Product) -> "ProductOut":
        return cls(
            id=product.id,
            name=product.name,
            description=product.description,
            price=product.price,
            created_at=product.created_at,
            updated_at=product.updated_at,
        )


class ProductPage(PageMeta):
    items: list[ProductOut]
