"""Money is a Decimal with exactly two fraction digits. Never a float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from shared_kernel.domain.errors import InvalidInput

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # the largest value NUMERIC(12, 2) holds


def to_money(value: Decimal | int | str, *, field: str = "price") -> Decimal:
    """Validate a client-supplied amount (0.01 .. MAX_AMOUNT, at most two fraction digits)."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput(f"{field} must be a decimal number", field=field) from None
    if not amount.is_finite():
        raise InvalidInput(f"{field} must be a finite number", field=field)
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"{field} must be at most {MAX_AMOUNT}", field=field)
    if amount < CENT:
        raise InvalidInput(f"{field} must be at least {CENT}", field=field)
    if amount % CENT != 0:
        raise InvalidInput(f"{field} must have at most two fraction digits", field=field)
    return amount.quantize(CENT)


def round_money(amount: Decimal) -> Decimal:
    """Round a computed amount to cents, half up, as accountants expect."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
