from decimal import Decimal

import pytest

from shared_kernel.domain.errors import InvalidInput
from shared_kernel.domain.money import round_money, to_money


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1499.9", Decimal("1499.90")),
        (Decimal("0.01"), Decimal("0.01")),
        (7, Decimal("7.00")),
        ("9999999999.99", Decimal("9999999999.99")),
        ("1.500", Decimal("1.50")),
    ],
)
def test_valid_amounts_get_two_fraction_digits(raw: str | Decimal | int, expected: Decimal) -> None:
    amount = to_money(raw)
    assert amount == expected
    assert str(amount) == str(expected)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("0", "at least 0.01"),
        ("-1", "at least 0.01"),
        ("0.001", "at least 0.01"),
        ("1.001", "two fraction digits"),
        ("10000000000", "at most"),
        ("1e400", "at most"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
        ("abc", "decimal number"),
    ],
)
def test_invalid_amounts_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as error:
        to_money(raw)
    assert error.value.field == "price"


def test_round_money_rounds_half_up_to_cents() -> None:
    assert round_money(Decimal("2.345")) == Decimal("2.35")
    assert round_money(Decimal("2.344")) == Decimal("2.34")
