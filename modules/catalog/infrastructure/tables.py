"""Catalog tables, in the `catalog` schema. SQLAlchemy Core: rows map to domain objects by hand."""

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Numeric, String, Table, Uuid

from modules.catalog.domain.product import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH
from shared_kernel.infrastructure.database import schema_metadata

metadata = schema_metadata("catalog")

products = Table(
    "products",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(NAME_MAX_LENGTH), nullable=False),
    Column("description", String(DESCRIPTION_MAX_LENGTH), nullable=False, server_default=""),
    Column("price", Numeric(12, 2), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("price > 0", name="price_positive"),
    Index("ix_products_created_at_id", "created_at", "id"),
)
