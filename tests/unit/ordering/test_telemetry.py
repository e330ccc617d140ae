"""Business metrics and the one log event per placed or cancelled order, subscribed to order events."""

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from modules.ordering.domain.events import OrderRefused
from modules.ordering.domain.order import Order, PricedProduct, RequestedLine
from modules.ordering.infrastructure.telemetry import telemetry

A, B, C = UUID(int=1), UUID(int=2), UUID(int=3)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def partly_fulfilled_order() -> Order:
    products = {p: PricedProduct(f"P{p.int}", Decimal("2.50")) for p in (A, B, C)}
    return Order.place(
        order_id=uuid4(),
        now=datetime.now(UTC),
        requested=[RequestedLine(A, 2), RequestedLine(B, 5), RequestedLine(C, 1)],
        products=products,
        reserved={A: 2, B: 3, C: 0},
    )


def test_placed_order_moves_business_metrics_and_logs_one_event() -> None:
    names = ["orders_placed_total", "order_lines_total", "order_lines_cut_short_total"]
    before = {name: sample(name) for name in [*names, "order_lines_out_of_stock_total", "order_value_sum"]}
    order = partly_fulfilled_order()

    with capture_logs() as logs:
        telemetry().publish(order.events)

    assert sample("orders_placed_total") - before["orders_placed_total"] == 1
    assert sample("order_lines_total") - before["order_lines_total"] == 2
    assert sample("order_lines_cut_short_total") - before["order_lines_cut_short_total"] == 1
    assert sample("order_lines_out_of_stock_total") - before["order_lines_out_of_stock_total"] == 1
    assert sample("order_value_sum") - before["order_value_sum"] == 12.5
    assert logs == [
        {
            "event": "order_placed",
            "log_level": "info",
            "order_id": str(order.id),
            "lines": 2,
            "out_of_stock": 1,
            "total": "12.50",
        },
    ]


def test_cancel_and_refusal_are_counted() -> None:
    cancelled, refused = sample("orders_cancelled_total"), sample("orders_refused_total", reason="out_of_stock")
    order = partly_fulfilled_order()
    order.events.clear()
    order.cancel(datetime.now(UTC))
    with capture_logs() as logs:
        telemetry().publish([*order.events, OrderRefused("out_of_stock")])
    assert sample("orders_cancelled_total") - cancelled == 1
    assert sample("orders_refused_total", reason="out_of_stock") - refused == 1
    assert [(log["event"], log["order_id"], log["total"]) for log in logs] == [
        ("order_cancelled", str(order.id), "12.50"),
    ]
