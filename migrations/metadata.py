"""Every module's tables, for autogenerate and the drift test. Each module owns one schema."""

from sqlalchemy import MetaData

from modules.catalog.infrastructure.tables import metadata as catalog
from modules.inventory.infrastructure.tables import metadata as inventory
from modules.ordering.infrastructure.tables import metadata as ordering

target_metadata: list[MetaData] = [catalog, inventory, ordering]
