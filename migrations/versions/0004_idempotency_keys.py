"""ordering: idempotency keys get a table of their own (out of ordering.orders)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ordering.orders.id"],
            name=op.f("fk_idempotency_keys_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("order_id", name=op.f("uq_idempotency_keys_order_id")),
        schema="ordering",
    )
    op.execute(
        "INSERT INTO ordering.idempotency_keys (key, request_digest, order_id) "
        "SELECT idempotency_key, request_digest, id FROM ordering.orders WHERE idempotency_key IS NOT NULL",
    )
    op.drop_constraint(op.f("ck_orders_key_has_digest"), "orders", schema="ordering", type_="check")
    op.drop_constraint(op.f("uq_orders_idempotency_key"), "orders", schema="ordering", type_="unique")
    op.drop_column("orders", "request_digest", schema="ordering")
    op.drop_column("orders", "idempotency_key", schema="ordering")


def downgrade() -> None:
    op.add_column("orders", sa.Column("idempotency_key", sa.String(200), nullable=True), schema="ordering")
    op.add_column("orders", sa.Column("request_digest", sa.String(64), nullable=True), schema="ordering")
    op.execute(
        "UPDATE ordering.orders o SET idempotency_key = k.key, request_digest = k.request_digest "
        "FROM ordering.idempotency_keys k WHERE k.order_id = o.id",
    )
    op.create_unique_constraint(op.f("uq_orders_idempotency_key"), "orders", ["idempotency_key"], schema="ordering")
    op.create_check_constraint(
        op.f("ck_orders_key_has_digest"),
        "orders",
        "(idempotency_key IS NULL) = (request_digest IS NULL)",
        schema="ordering",
    )
    op.drop_table("idempotency_keys", schema="ordering")
