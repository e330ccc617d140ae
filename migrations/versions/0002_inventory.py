"""inventory: warehouses, stock levels, allocations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA inventory")
    op.create_table(
        "warehouses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(500), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouses")),
        sa.UniqueConstraint("name", name=op.f("uq_warehouses_name")),
        schema="inventory",
    )
    op.create_index("ix_warehouses_created_at_id", "warehouses", ["created_at", "id"], schema="inventory")
    op.create_table(
        "stock",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_quantity_not_negative")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["inventory.warehouses.id"],
            name=op.f("fk_stock_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("product_id", "warehouse_id", name=op.f("pk_stock")),
        schema="inventory",
    )
    op.create_table(
        "allocations",
        sa.Column("order_ref", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_allocations_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["inventory.warehouses.id"],
            name=op.f("fk_allocations_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("order_ref", "product_id", "warehouse_id", name=op.f("pk_allocations")),
        schema="inventory",
    )


def downgrade() -> None:
    op.drop_table("allocations", schema="inventory")
    op.drop_table("stock", schema="inventory")
    op.drop_table("warehouses", schema="inventory")
    op.execute("DROP SCHEMA inventory")
