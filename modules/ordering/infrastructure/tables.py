"""Ordering tables, in the `ordering` schema. Lines keep the catalog's name and price of the moment."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Uuid,
)

from modules.ordering.application.ports import DIGEST_LENGTH, IDEMPOTENCY_KEY_MAX_LENGTH
from modules.ordering.domain.order import PRODUCT_NAME_MAX_LENGTH, STATUS_MAX_LENGTH
from shared_kernel.infrastructure.database import schema_metadata

metadata = schema_metadata("ordering")

# Totals get more digits than prices: 100 lines x 1,000,000 units x 9,999,999,999.99.
TOTAL = Numeric(20, 2)

orders = Table(
    "orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("status", String(STATUS_MAX_LENGTH), nullable=False),
    Column("total", TOTAL, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("status IN ('placed', 'cancelled')", name="status_known"),
    Index("ix_orders_created_at_id", "created_at", "id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", Uuid, ForeignKey(orders.c.id, ondelete="CASCADE"), primary_key=True),
    Column("position", SmallInteger, primary_key=True),
    Column("product_id", Uuid, nullable=False),
    Column("name", String(PRODUCT_NAME_MAX_LENGTH), nullable=False),
    Column("unit_price", Numeric(12, 2), nullable=False),
    Column("requested_quantity", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("line_total", TOTAL, nullable=False),
    CheckConstraint("quantity > 0 AND quantity <= requested_quantity", name="quantity_within_request"),
)

order_out_of_stock = Table(
    "order_out_of_stock",
    metadata,
    Column("order_id", Uuid, ForeignKey(orders.c.id, ondelete="CASCADE"), primary_key=True),
    Column("position", SmallInteger, primary_key=True),
    Column("product_id", Uuid, nullable=False),
    Column("requested_quantity", Integer, nullable=False),
)

# Requests placed with an Idempotency-Key: a retry with the same key finds its order here.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(IDEMPOTENCY_KEY_MAX_LENGTH), primary_key=True),
    Column("request_digest", String(DIGEST_LENGTH), nullable=False),
    Column("order_id", Uuid, ForeignKey(orders.c.id, ondelete="CASCADE"), nullable=False, unique=True),
)
