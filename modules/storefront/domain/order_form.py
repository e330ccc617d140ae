"""The order form a person fills in: one quantity field per product shown, and a key naming the intent.

Reading it is strict about shape (a forged or damaged form is refused as a whole) and precise about
quantities (each bad one is reported against its product), so the page can come back with what was typed.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

KEY_FIELD = "key"
QUANTITY_FIELD_PREFIX = "quantity-"
MAX_FORM_PRODUCTS = 100  # a page shows far fewer; more quantity fields than this is no form we rendered
_DIGITS = re.compile(r"[0-9]+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class DamagedForm(Exception):
    """The form is not one the catalog page rendered: a field is missing, repeated or garbled."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def quantity_field(product_id: UUID) -> str:
    return f"{QUANTITY_FIELD_PREFIX}{product_id}"


@dataclass(frozen=True, slots=True)
class OrderForm:
    key: str
    entered: dict[UUID, str]  # what was typed per product, to show it again
    quantities: dict[UUID, int]  # the products asked for (quantity > 0), in form order
    invalid: dict[UUID, str] = field(default_factory=dict)  # product -> what is wrong with its quantity


def read_order_form(fields: Iterable[tuple[str, object]], *, max_quantity: int) -> OrderForm:
    """Read the submitted fields (name, value), in form order; DamagedForm if its shape is wrong."""
    key: str | None = None
    entered: dict[UUID, str] = {}
    for name, value in fields:
        if name != KEY_FIELD and not name.startswith(QUANTITY_FIELD_PREFIX):
            continue  # other fields (the page's search, the button) carry no order
        if not isinstance(value, str):
            raise DamagedForm(f"field {name!r} is not text")
        if name == KEY_FIELD:
            if key is not None:
                raise DamagedForm("the key is repeated")
            key = value
            continue
        product_id = _product_id(name.removeprefix(QUANTITY_FIELD_PREFIX))
        if product_id in entered:
            raise DamagedForm(f"product {product_id} is repeated")
        entered[product_id] = value
        if len(entered) > MAX_FORM_PRODUCTS:
            raise DamagedForm(f"more than {MAX_FORM_PRODUCTS} products")
    if key is None or not _UUID.fullmatch(key):
        raise DamagedForm("the key is missing or garbled")
    quantities: dict[UUID, int] = {}
    invalid: dict[UUID, str] = {}
    for product_id, text in entered.items():
        problem, quantity = _quantity(text, max_quantity)
        if problem:
            invalid[product_id] = problem
        elif quantity:
            quantities[product_id] = quantity
    return OrderForm(key=key, entered=entered, quantities=quantities, invalid=invalid)


def _product_id(text: str) -> UUID:
    if not _UUID.fullmatch(text):
        raise DamagedForm(f"{text[:40]!r} is no product id")
    return UUID(text)


def _quantity(text: str, max_quantity: int) -> tuple[str | None, int]:
    """(what is wrong, quantity): a blank field means 0."""
    text = text.strip()
    if not text:
        return None, 0
    if text.startswith("-") and _DIGITS.fullmatch(text[1:]):
        return "cannot be negative", 0
    if not _DIGITS.fullmatch(text):
        return "must be a whole number", 0
    if len(text) > len(str(max_quantity)) or int(text) > max_quantity:
        return f"can be at most {max_quantity}", 0
    return None, int(text)
