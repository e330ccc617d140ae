"""Storefront wiring: its pages and their use cases over the catalog's, inventory's and ordering's facades.
It owns no tables and publishes nothing."""

from litestar import Router
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from modules.catalog.facade import CatalogFacade
from modules.inventory.facade import InventoryFacade
from modules.ordering.facade import OrderingFacade
from modules.storefront.api.controller import StorefrontController
from modules.storefront.api.rendering import static_files
from modules.storefront.application.use_cases import (
    CancelOrderFromPage,
    PlaceOrderFromForm,
    ShowCatalog,
    ShowOrder,
    ShowOrders,
)
from shared_kernel.api.module_definition import ModuleDefinition, provide
from shared_kernel.infrastructure.database import schema_metadata
from shared_kernel.infrastructure.facades import Facades


def router(facades: Facades) -> Router:
    catalog_facade = facades.of(CatalogFacade)
    inventory_facade = facades.of(InventoryFacade)
    ordering_facade = facades.of(OrderingFacade)

    def provide_show_catalog(db_session: NamedDependency[AsyncSession]) -> ShowCatalog:
        return ShowCatalog(catalog_facade(db_session), inventory_facade(db_session))

    def provide_place_order_from_form(db_session: NamedDependency[AsyncSession]) -> PlaceOrderFromForm:
        return PlaceOrderFromForm(catalog_facade(db_session), ordering_facade(db_session))

    def provide_show_order(db_session: NamedDependency[AsyncSession]) -> ShowOrder:
        return ShowOrder(catalog_facade(db_session), ordering_facade(db_session))

    def provide_show_orders(db_session: NamedDependency[AsyncSession]) -> ShowOrders:
        return ShowOrders(ordering_facade(db_session))

    def provide_cancel_order_from_page(db_session: NamedDependency[AsyncSession]) -> CancelOrderFromPage:
        return CancelOrderFromPage(ordering_facade(db_session))

    return Router(
        path="/",
        route_handlers=[StorefrontController, static_files()],
        dependencies={
            "show_catalog": provide(provide_show_catalog),
            "place_order_from_form": provide(provide_place_order_from_form),
            "show_order": provide(provide_show_order),
            "show_orders": provide(provide_show_orders),
            "cancel_order_from_page": provide(provide_cancel_order_from_page),
        },
    )


module = ModuleDefinition(
    name="storefront",
    metadata=schema_metadata("storefront"),  # no tables: the storefront keeps no data of its own
    router=router,
)
