"""The list of modules. main.py builds the app from it; migrations, the tests' database cleanup and the
check of the import contracts (.importlinter) read it too. A new module is one line here."""

from modules.catalog.module import module as catalog
from modules.inventory.module import module as inventory
from modules.ordering.module import module as ordering
from modules.storefront.module import module as storefront
from shared_kernel.api.module_definition import ModuleDefinition

MODULES: tuple[ModuleDefinition, ...] = (catalog, inventory, ordering, storefront)
