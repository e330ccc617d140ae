"""Reading the catalog page's form: its shape strictly, each quantity precisely."""

from uuid import uuid4

import pytest

from modules.storefront.domain.order_form import KEY_FIELD, DamagedForm, quantity_field, read_order_form
from modules.storefront.domain.paging import PAGE_SIZE, Pagination, page_number
from modules.storefront.domain.search import search_text

KEY = str(uuid4())
A, B = uuid4(), uuid4()


def test_positive_quantities_are_asked_for_in_form_order_and_blank_or_zero_ones_are_not() -> None:
    form = read_order_form(
        [
            (KEY_FIELD, KEY),
            (quantity_field(B), " 3 "),
            (quantity_field(A), "2"),
            ("q", "lamp"),
            (quantity_field(uuid4()), "0"),
        ],
        max_quantity=1000,
    )
    assert form.key == KEY
    assert list(form.quantities.items()) == [(B, 3), (A, 2)]
    assert form.invalid == {}


def test_a_blank_form_asks_for_nothing() -> None:
    form = read_order_form([(KEY_FIELD, KEY), (quantity_field(A), ""), (quantity_field(B), "0")], max_quantity=9)
    assert form.quantities == {}
    assert form.entered == {A: "", B: "0"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("-1", "cannot be negative"),
        ("1.5", "must be a whole number"),
        ("abc", "must be a whole number"),
        ("1e3", "must be a whole number"),
        ("١٢", "must be a whole number"),  # Arabic-Indic digits: int() would take them
        ("1001", "can be at most 1000"),
        ("9" * 400, "can be at most 1000"),
    ],
)
def test_a_bad_quantity_is_reported_against_its_product_and_kept_as_typed(text: str, problem: str) -> None:
    form = read_order_form([(KEY_FIELD, KEY), (quantity_field(A), text), (quantity_field(B), "1")], max_quantity=1000)
    assert form.invalid == {A: problem}
    assert form.entered[A] == text
    assert form.quantities == {B: 1}


@pytest.mark.parametrize(
    "fields",
    [
        [(quantity_field(A), "1")],  # no key
        [(KEY_FIELD, "not-a-uuid"), (quantity_field(A), "1")],
        [(KEY_FIELD, KEY), (KEY_FIELD, KEY), (quantity_field(A), "1")],
        [(KEY_FIELD, KEY), ("quantity-123", "1")],
        [(KEY_FIELD, KEY), (quantity_field(A), "1"), (quantity_field(A), "2")],
        [(KEY_FIELD, KEY), (quantity_field(A), object())],  # an uploaded file instead of text
        [(KEY_FIELD, KEY), *((quantity_field(uuid4()), "1") for _ in range(101))],
    ],
)
def test_a_form_of_the_wrong_shape_is_damaged(fields: list[tuple[str, object]]) -> None:
    with pytest.raises(DamagedForm):
        read_order_form(fields, max_quantity=1000)


@pytest.mark.parametrize(
    ("text", "number"), [("3", 3), ("", 1), ("0", 1), ("-2", 1), ("x", 1), ("1" * 50, 1), (" 2 ", 2), ("²", 1)]
)
def test_page_numbers_are_read_leniently(text: str, number: int) -> None:
    assert page_number(text) == number


def test_pagination_counts_pages_and_neighbours() -> None:
    assert Pagination(1, 0).count == 1
    middle = Pagination(2, PAGE_SIZE * 2 + 1)
    assert (middle.count, middle.previous, middle.next, middle.offset) == (3, 1, 3, PAGE_SIZE)
    assert (Pagination(3, PAGE_SIZE * 3).next, Pagination(1, 5).previous) == (None, None)


def test_search_text_drops_control_characters_and_is_cut_to_length() -> None:
    assert search_text("  lamp\x00\n ", max_length=10) == "lamp"
    assert search_text("x" * 50, max_length=10) == "x" * 10
