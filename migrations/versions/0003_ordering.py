"""ordering: orders, their lines and out-of-stock requests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA ordering")
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.Numeric(20, 2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_digest", sa.String(64), nullable=True),
        sa.CheckConstraint("status IN ('placed', 'cancelled')", name=op.f("ck_orders_status_known")),
        sa.CheckConstraint(
            "(idempotency_key IS NULL) = (request_digest IS NULL)",
            name=op.f("ck_orders_key_has_digest"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_orders_idempotency_key")),
        schema="ordering",
    )
    op.create_index("ix_orders_created_at_id", "orders", ["created_at", "id"], schema="ordering")
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_price", sa.Numeric(12, 2), nullable=False),
        sa.Column("requested_quantity", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("line_total", sa.Numeric(20, 2), nullable=False),
        sa.CheckConstraint(
            "quantity > 0 AND quantity <= requested_quantity",
            name=op.f("ck_order_lines_quantity_within_request"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ordering.orders.id"],
            name=op.f("fk_order_lines_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "position", name=op.f("pk_order_lines")),
        schema="ordering",
    )
    op.create_table(
        "order_out_of_stock",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("requested_quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ordering.orders.id"],
            name=op.f("fk_order_out_of_stock_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "position", name=op.f("pk_order_out_of_stock")),
        schema="ordering",
    )


def downgrade() -> None:
    op.drop_table("order_out_of_stock", schema="ordering")
    op.drop_table("order_lines", schema="ordering")
    op.drop_table("orders", schema="ordering")
    op.execute("DROP SCHEMA ordering")
