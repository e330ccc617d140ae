"""factory-boy factories for domain objects and request bodies."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from factory.base import DictFactory, Factory
from factory.declarations import LazyAttribute, LazyFunction, Sequence
from factory.faker import Faker

from modules.catalog.domain.product import Product
from modules.inventory.domain.warehouse import Warehouse


class ProductFactory(Factory[Product]):
    class Meta:
        model = Product

    id = LazyFunction(uuid4)
    name = Sequence(lambda n: f"Product {n}")
    description = Faker("sentence")
    price = Sequence(lambda n: Decimal(10 + n % 90) + Decimal("0.99"))
    created_at = LazyFunction(lambda: datetime.now(UTC))
    updated_at = LazyAttribute(lambda o: o.created_at)


class ProductBodyFactory(DictFactory):
    """A valid POST /api/catalog/products body."""

    name = Sequence(lambda n: f"Demo product {n}")
    description = "A product made by the tests"
    price = Sequence(lambda n: f"{10 + n % 90}.50")


def a_product(**overrides: Any) -> Product:
    return ProductFactory.build(**overrides)


def product_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = ProductBodyFactory.build(**overrides)
    return body


def a_warehouse(name: str | None = None, address: str = "") -> Warehouse:
    return Warehouse.create(name=name or f"Warehouse {uuid4().hex[:8]}", address=address, now=datetime.now(UTC))
