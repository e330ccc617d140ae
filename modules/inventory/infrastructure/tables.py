"""Inventory tables, in the `inventory` schema. Product ids refer to the catalog: no cross-module keys."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from modules.inventory.domain.warehouse import ADDRESS_MAX_LENGTH, NAME_MAX_LENGTH
from shared_kernel.infrastructure.database import schema_metadata

metadata = schema_metadata("inventory")

warehouses = Table(
    "warehouses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(NAME_MAX_LENGTH), nullable=False),
    Column("address", String(ADDRESS_MAX_LENGTH), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_warehouses_created_at_id", "created_at", "id"),
)
warehouse_name_unique = UniqueConstraint(warehouses.c.name)  # named uq_warehouses_name by the convention
warehouses.append_constraint(warehouse_name_unique)

# The primary key's order (product, warehouse) is the order reservations lock rows in.
stock = Table(
    "stock",
    metadata,
    Column("product_id", Uuid, primary_key=True),
    Column("warehouse_id", Uuid, ForeignKey(warehouses.c.id), primary_key=True),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
)

# What each warehouse gave to which order: cancelling puts back exactly this.
allocations = Table(
    "allocations",
    metadata,
    Column("order_ref", Uuid, primary_key=True),
    Column("product_id", Uuid, primary_key=True),
    Column("warehouse_id", Uuid, ForeignKey(warehouses.c.id), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("released_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)
