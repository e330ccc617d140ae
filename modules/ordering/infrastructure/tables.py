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

from shared_kernel.infrastructure.database import schema_metadata

metadata = schema_metadata("ordering")

# Totals get more digits than prices: 100 lines x 1,000,000 units x 9,999,999,999.99.
TOTAL = Numeric(20, 2)

orders = Table(
    "orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("total", TOTAL, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
    Column("idempotency_key", String(200), nullable=True, unique=True),
    Column("request_digest", String(64), nullable=True),
    CheckConstraint("status IN ('placed', 'cancelled')", name="status_known"),
    CheckConstraint("(idempotency_key IS NULL) = (request_digest IS NULL)", name="key_has_digest"),
    Index("ix_orders_created_at_id", "created_at", "id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", Uuid, ForeignKey(orders.c.id, ondelete="CASCADE"), primary_key=True),
    Column("position", SmallInteger, primary_key=True),
    Column("product_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
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
