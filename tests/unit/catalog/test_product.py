from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from modules.catalog.domain.product import Product
from shared_kernel.domain.errors import InvalidInput

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_create_normalises_text_and_price() -> None:
    product = Product.create(name="  Laptop ", description=" fast ", price="1499.9", now=NOW)
    assert (product.name, product.description, product.price) == ("Laptop", "fast", Decimal("1499.90"))
    assert product.created_at == product.updated_at == NOW


@pytest.mark.parametrize(
    ("name", "description", "reason"),
    [
        ("", "", "name must not be blank"),
        ("   ", "", "name must not be blank"),
        ("x" * 201, "", "name must be at most 200"),
        ("ok", "d" * 5001, "description must be at most 5000"),
        ("nul\x00", "", "NUL"),
        ("ok", "\ud800", "valid Unicode"),
    ],
)
def test_create_refuses_bad_text(name: str, description: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        Product.create(name=name, description=description, price="1", now=NOW)


def test_limits_are_inclusive() -> None:
    product = Product.create(name="x" * 200, description="d" * 5000, price="0.01", now=NOW)
    assert len(product.name) == 200
    assert len(product.description) == 5000


def test_change_applies_only_given_fields() -> None:
    product = Product.create(name="Old", description="same", price="1.00", now=NOW)
    later = NOW + timedelta(minutes=1)
    product.change(now=later, price=Decimal("2.5"))
    assert (product.name, product.description, product.price) == ("Old", "same", Decimal("2.50"))
    assert product.updated_at == later
    assert product.created_at == NOW


def test_change_is_all_or_nothing() -> None:
    product = Product.create(name="Old", description="", price="1.00", now=NOW)
    with pytest.raises(InvalidInput):
        product.change(now=NOW + timedelta(minutes=1), name="New", price="0")
    assert (product.name, product.price, product.updated_at) == ("Old", Decimal("1.00"), NOW)
