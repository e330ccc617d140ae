"""OrderEvents as Prometheus business metrics and one structured log line per placed or cancelled order."""

from prometheus_client import Counter, Histogram

from modules.ordering.domain.order import Order
from shared_kernel.infrastructure.logging import get_logger

ORDERS_PLACED = Counter("orders_placed_total", "Orders placed.")
ORDERS_CANCELLED = Counter("orders_cancelled_total", "Orders cancelled.")
ORDERS_REFUSED = Counter(
    "orders_refused_total",
    "Order requests refused, by reason (out_of_stock, unknown_products, idempotency_conflict).",
    ["reason"],
)
REFUSAL_REASONS = ("out_of_stock", "unknown_products", "idempotency_conflict")
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


class MetricsAndLogOrderEvents:
    def placed(self, order: Order) -> None:
        ORDERS_PLACED.inc()
        ORDER_LINES.inc(len(order.lines))
        ORDER_LINES_CUT_SHORT.inc(sum(1 for line in order.lines if line.cut_short))
        ORDER_LINES_OUT_OF_STOCK.inc(len(order.out_of_stock))
        ORDER_VALUE.observe(float(order.total))
        _log.info(
            "order_placed",
            order_id=str(order.id),
            lines=len(order.lines),
            out_of_stock=len(order.out_of_stock),
            total=str(order.total),
        )

    def refused(self, reason: str) -> None:
        ORDERS_REFUSED.labels(reason).inc()

    def cancelled(self, order: Order) -> None:
        ORDERS_CANCELLED.inc()
        _log.info("order_cancelled", order_id=str(order.id), lines=len(order.lines), total=str(order.total))
