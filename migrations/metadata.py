"""Every listed module's tables, for autogenerate and the drift test. Each module owns one schema."""

from collections.abc import Iterable

from sqlalchemy import MetaData

from modules.registry import MODULES
from shared_kernel.api.module_definition import ModuleDefinition


def metadata_of(modules: Iterable[ModuleDefinition]) -> list[MetaData]:
    return [module.metadata for module in modules]


target_metadata: list[MetaData] = metadata_of(MODULES)
