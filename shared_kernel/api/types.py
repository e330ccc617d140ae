"""Field types shared by the request and response structs of every module."""

from decimal import Decimal
from typing import Annotated

from litestar.params import KwargDefinition

# Requests accept a JSON string or number; the domain enforces the range and the two fraction digits.
MoneyIn = Annotated[
    Decimal,
    KwargDefinition(
        schema_extra={
            "type": None,
            "one_of": [
                {"type": "string", "pattern": r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,9}(\.[0-9]{1,2})?)$"},
                {"type": "number", "minimum": 0.01, "maximum": 9999999999.99, "multipleOf": 0.01},
            ],
        },
        description="Decimal amount, 0.01 .. 9999999999.99, at most two fraction digits.",
    ),
]

# Responses always carry money as a string with two fraction digits ("1499.90").
MoneyOut = Annotated[Decimal, KwargDefinition(schema_extra={"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$"})]
