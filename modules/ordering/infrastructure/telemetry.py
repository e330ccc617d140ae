"""Order events as Prometheus business metrics and one structured log line per placed or cancelled order."""

from prometheus_client import Counter, Histogram

from modules.ordering.domain.events import REFUSAL_REASONS, OrderCancelled, OrderPlaced, OrderRefused
from shared_kernel.application.events import EventBus
from shared_kernel.infrastructure.logging import get_logger

ORDERS_PLACED = Counter("orders_placed_total", "Orders placed.")
ORDERS_CANCELLED = Counter("orders_cancelled_total", "Orders cancelled.")
ORDERS_REFUSED = Counter(
    "orders_refused_total",
    f"Order requests refused, by reason ({', '.join(REFUSAL_REASONS)}).",
    ["reason"],
)
for _reason in REFUSAL_REASONS:  # every series exists from the start, at 0, for rates and alerts
    ORDERS_REFUSED.labels(_reason)
ORDER_LINES = Counter("order_lines_total", "Lines of placed orders that got stock.")
ORDER_LINES_CUT_SHORT = Counter("order_lines_cut_short_total", "Lines that got less than requested.")
ORDER_LINES_OUT_OF_STOCK = Counter("order_lines_out_of_stock_total", "Requested products that got nothing.")
ORDER_VALUE = Histogram(
    "order_value",
    "Total of each placed order, in currency units.",
    buckets=(10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000),
)

_log = get_logger("modules.ordering")


def order_placed(event: OrderPlaced) -> None:
    ORDERS_PLACED.inc()
    ORDER_LINES.inc(event.lines)
    ORDER_LINES_CUT_SHORT.inc(event.lines_cut_short)
    ORDER_LINES_OUT_OF_STOCK.inc(event.lines_out_of_stock)
    ORDER_VALUE.observe(float(event.total))
    _log.info(
        "order_placed",
        order_id=str(event.order_id),
        lines=event.lines,
        out_of_stock=event.lines_out_of_stock,
        total=str(event.total),
    )


def order_refused(event: OrderRefused) -> None:
    ORDERS_REFUSED.labels(event.reason).inc()


def order_cancelled(event: OrderCancelled) -> None:
    ORDERS_CANCELLED.inc()
    _log.info("order_cancelled", order_id=str(event.order_id), lines=event.lines, total=str(event.total))


def telemetry() -> EventBus:
    """Ordering's events, subscribed by its metrics and log lines."""
    return EventBus({OrderPlaced: [order_placed], OrderRefused: [order_refused], OrderCancelled: [order_cancelled]})
