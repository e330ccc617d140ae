"""Every module's tables, for autogenerate and the drift test. Each module owns one schema."""

from sqlalchemy import MetaData

from modules.catalog.infrastructure.tables import metadata as catalog
from modules.inventory.infrastructure.tables import metadata as inventory

target_metadata: list[MetaData] = [catalog, inventory]
