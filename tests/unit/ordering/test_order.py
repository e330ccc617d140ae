"""The Order aggregate: the customer's rules, exactly."""

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from modules.inventory.domain.stock import MAX_RESERVATION
from modules.ordering.domain.events import OrderCancelled, OrderPlaced
from modules.ordering.domain.order import (
    MAX_LINE_QUANTITY,
    MAX_LINES,
    Order,
    OrderStatus,
    OrderWouldBeEmpty,
    OutOfStockLine,
    PricedProduct,
    RequestedLine,
    merge_requested,
)
from shared_kernel.domain.errors import InvalidInput

NOW = datetime(2026, 1, 1, tzinfo=UTC)
A, B, C = UUID(int=1), UUID(int=2), UUID(int=3)
PRODUCTS = {
    A: PricedProduct("Apple", Decimal("0.10")),
    B: PricedProduct("Bread", Decimal("2.35")),
    C: PricedProduct("Cheese", Decimal("9999999999.99")),
}


def place(requested: dict[UUID, int], reserved: dict[UUID, int]) -> Order:
    return Order.place(
        order_id=uuid4(),
        now=NOW,
        requested=[RequestedLine(p, q) for p, q in requested.items()],
        products=PRODUCTS,
        reserved=reserved,
    )


def test_full_order_gets_every_requested_quantity() -> None:
    order = place({A: 3, B: 2}, {A: 3, B: 2})
    assert order.status is OrderStatus.PLACED
    assert [(line.product_id, line.quantity, line.requested_quantity) for line in order.lines] == [(A, 3, 3), (B, 2, 2)]
    assert order.out_of_stock == []
    assert not any(line.cut_short for line in order.lines)


def test_partial_line_keeps_what_was_reserved() -> None:
    order = place({A: 10, B: 2}, {A: 4, B: 2})
    apple = order.lines[0]
    assert (apple.requested_quantity, apple.quantity, apple.cut_short) == (10, 4, True)
    assert apple.line_total == Decimal("0.40")


def test_lines_that_got_nothing_are_out_of_stock_and_keep_request_order() -> None:
    order = place({C: 1, A: 5, B: 7}, {C: 0, A: 5, B: 0})
    assert [line.product_id for line in order.lines] == [A]
    assert order.out_of_stock == [OutOfStockLine(C, 1), OutOfStockLine(B, 7)]


def test_an_order_that_would_be_empty_is_refused() -> None:
    with pytest.raises(OrderWouldBeEmpty):
        place({A: 1, B: 1}, {A: 0, B: 0})


def test_totals_are_exact_decimals() -> None:
    order = place({A: 3, B: 3}, {A: 3, B: 3})
    assert [line.line_total for line in order.lines] == [Decimal("0.30"), Decimal("7.05")]
    assert order.total == Decimal("7.35")
    assert str(order.total) == "7.35"


def test_total_has_two_fraction_digits_even_for_huge_orders() -> None:
    order = place({C: 1_000_000, A: 1}, {C: 1_000_000, A: 1})
    assert order.total == Decimal("9999999999990000.10")
    assert order.total.as_tuple().exponent == -2


def test_line_snapshot_is_the_price_and_name_given() -> None:
    line = place({B: 1}, {B: 1}).lines[0]
    assert (line.name, line.unit_price) == ("Bread", Decimal("2.35"))


def test_reserving_more_than_requested_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="reserved"):
        place({A: 1}, {A: 2})


def test_placing_records_order_placed() -> None:
    order = place({A: 2, B: 3, C: 1}, {A: 2, B: 1, C: 0})
    assert order.events == [OrderPlaced(order.id, 2, 1, 1, order.total)]


def test_cancel_is_idempotent_and_records_one_event() -> None:
    order = place({A: 1}, {A: 1})
    order.events.clear()
    first, later = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    assert order.cancel(first) is True
    assert (order.status, order.cancelled_at) == (OrderStatus.CANCELLED, first)
    assert order.cancel(later) is False
    assert (order.status, order.cancelled_at) == (OrderStatus.CANCELLED, first)
    assert order.events == [OrderCancelled(order.id, 1, order.total)]


def test_merge_sums_repeated_products_in_first_seen_order() -> None:
    merged = merge_requested([RequestedLine(B, 1), RequestedLine(A, 2), RequestedLine(B, 4)])
    assert merged == [RequestedLine(B, 5), RequestedLine(A, 2)]


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [RequestedLine(A, 0)],
        [RequestedLine(A, -1)],
        [RequestedLine(A, MAX_LINE_QUANTITY + 1)],
        [RequestedLine(UUID(int=n), 1) for n in range(MAX_LINES + 1)],
        [RequestedLine(A, 1) for _ in range(MAX_LINES + 1)],  # too many lines, even of one product
    ],
)
def test_merge_refuses_empty_or_bad_requests(lines: list[RequestedLine]) -> None:
    with pytest.raises(InvalidInput):
        merge_requested(lines)


def test_merged_quantities_stay_within_what_one_order_may_reserve() -> None:
    merged = merge_requested([RequestedLine(A, MAX_LINE_QUANTITY) for _ in range(MAX_LINES)])
    assert merged == [RequestedLine(A, MAX_RESERVATION)]
