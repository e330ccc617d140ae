"""Field types shared by the request and response structs of every module."""

from decimal import Decimal
from typing import Annotated

import msgspec
from litestar.params import KwargDefinition

from shared_kernel.domain.text import INVISIBLE_CHARACTERS

MONEY_TEXT_PATTERN = r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,9}(\.[0-9]{1,2})?)$"


class MoneyInput(Decimal):
    """An amount as a request states it: shared_kernel/api/requests.py decodes it from a JSON number or from a
    string matching MONEY_TEXT_PATTERN (Decimal itself would also take "1e2", " 5 " or other scripts' digits)."""


# Requests accept a JSON string or number; the domain enforces the range and the two fraction digits.
MoneyIn = Annotated[
    MoneyInput,
    KwargDefinition(
        schema_extra={
            "type": None,
            "one_of": [
                {"type": "string", "pattern": MONEY_TEXT_PATTERN},
                {"type": "number", "minimum": 0.01, "maximum": 9999999999.99, "multipleOf": 0.01},
            ],
        },
        description="Decimal amount, 0.01 .. 9999999999.99, at most two fraction digits.",
    ),
]

# Responses always carry money as a string with two fraction digits ("1499.90").
MoneyOut = Annotated[Decimal, KwargDefinition(schema_extra={"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$"})]

# Text patterns say what the domain enforces too: no NUL (PostgreSQL text cannot hold it), and for required
# text at least one character that is not whitespace.
_NO_NUL = "[^\\u0000]*"
_INVISIBLE = "".join(f"\\u{ord(c):04x}" for c in INVISIBLE_CHARACTERS)
NON_BLANK_TEXT = f"^{_NO_NUL}[^\\s\\u0000{_INVISIBLE}]{_NO_NUL}$"
ANY_TEXT = f"^{_NO_NUL}$"


def required_text(max_length: int) -> msgspec.Meta:
    return msgspec.Meta(min_length=1, max_length=max_length, pattern=NON_BLANK_TEXT)


def optional_text(max_length: int) -> msgspec.Meta:
    return msgspec.Meta(max_length=max_length, pattern=ANY_TEXT)
