"""Request and response bodies of the catalog API."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from modules.catalog.domain.product import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, Product
from shared_kernel.api.pagination import PageMeta
from shared_kernel.api.types import MoneyIn, MoneyOut, optional_text, required_text

Name = Annotated[str, required_text(NAME_MAX_LENGTH)]
Description = Annotated[str, optional_text(DESCRIPTION_MAX_LENGTH)]


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
