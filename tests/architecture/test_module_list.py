"""The module list (modules/registry.py) is complete, and the import contracts name every module in it."""

import configparser
from collections.abc import Iterable

from litestar import Router
from sqlalchemy import Column, Integer, String, Table

from modules.registry import MODULES
from shared_kernel.api.module_definition import ModuleDefinition
from shared_kernel.infrastructure.database import schema_metadata
from shared_kernel.infrastructure.facades import Facades, PublishedFacade
from tests.database import ROOT

# The .importlinter contracts every module must be named in, and the option that names them.
CONTRACTS = {"module-layers": "containers", "modules-independent": "modules"}


def modules_missing_from_contracts(modules: Iterable[ModuleDefinition], config: str) -> dict[str, list[str]]:
    """Per contract, the listed modules it does not name."""
    parser = configparser.ConfigParser()
    parser.read_string(config)
    missing: dict[str, list[str]] = {}
    for contract, option in CONTRACTS.items():
        named = set(parser[f"importlinter:contract:{contract}"][option].split())
        absent = [f"modules.{module.name}" for module in modules if f"modules.{module.name}" not in named]
        if absent:
            missing[contract] = absent
    return missing


def scratch_module() -> ModuleDefinition:
    """A throwaway module: one table in its own schema, no routes."""
    metadata = schema_metadata("scratch")
    Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String(100)))
    return ModuleDefinition(name="scratch", metadata=metadata, router=lambda _facades: Router("/", route_handlers=[]))


def test_every_module_package_is_in_the_list_once_under_its_own_name() -> None:
    packages = {path.name for path in (ROOT / "modules").iterdir() if (path / "module.py").exists()}
    names = [module.name for module in MODULES]
    assert sorted(names) == sorted(packages)
    assert all(module.schema == module.name for module in MODULES)  # each module owns the schema of its name


def test_every_listed_module_is_named_in_the_import_contracts() -> None:
    assert modules_missing_from_contracts(MODULES, (ROOT / ".importlinter").read_text()) == {}


def test_a_module_added_to_the_list_but_not_to_the_contracts_is_reported() -> None:
    config = (ROOT / ".importlinter").read_text()
    assert modules_missing_from_contracts([*MODULES, scratch_module()], config) == {
        "module-layers": ["modules.scratch"],
        "modules-independent": ["modules.scratch"],
    }


def test_each_published_facade_is_found_by_its_contract() -> None:
    facades = Facades(module.facade for module in MODULES if module.facade is not None)
    for module in MODULES:
        if module.facade is not None:
            factory = facades.of(module.facade.contract)
            assert factory is module.facade.factory if isinstance(module.facade, PublishedFacade) else callable(factory)
