"""Ordering wiring: its routes and use cases over the catalog's and inventory's facades."""

from litestar import Router
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from modules.catalog.facade import CatalogFacade
from modules.inventory.facade import InventoryFacade
from modules.ordering.api.controller import OrderController
from modules.ordering.application.use_cases import CancelOrder, GetOrder, ListOrders, PlaceOrder
from modules.ordering.infrastructure.repository import SqlIdempotencyKeys, SqlOrderRepository
from modules.ordering.infrastructure.tables import metadata
from modules.ordering.infrastructure.telemetry import telemetry
from shared_kernel.api.module_definition import ModuleDefinition, provide
from shared_kernel.infrastructure.clock import SystemClock
from shared_kernel.infrastructure.facades import Facades
from shared_kernel.infrastructure.unit_of_work import SqlAlchemyUnitOfWork

_clock = SystemClock()
_events = telemetry()


def provide_get_order(db_session: NamedDependency[AsyncSession]) -> GetOrder:
    return GetOrder(SqlOrderRepository(db_session))


def provide_list_orders(db_session: NamedDependency[AsyncSession]) -> ListOrders:
    return ListOrders(SqlOrderRepository(db_session))


def router(facades: Facades) -> Router:
    catalog_facade, inventory_facade = facades.of(CatalogFacade), facades.of(InventoryFacade)

    def provide_place_order(db_session: NamedDependency[AsyncSession]) -> PlaceOrder:
        return PlaceOrder(
            SqlAlchemyUnitOfWork(db_session, _events),
            SqlOrderRepository(db_session),
            SqlIdempotencyKeys(db_session),
            catalog_facade(db_session),
            inventory_facade(db_session),
            clock=_clock,
        )

    def provide_cancel_order(db_session: NamedDependency[AsyncSession]) -> CancelOrder:
        return CancelOrder(
            SqlAlchemyUnitOfWork(db_session, _events),
            SqlOrderRepository(db_session),
            inventory_facade(db_session),
            _clock,
        )

    return Router(
        path="/",
        route_handlers=[OrderController],
        dependencies={
            "place_order": provide(provide_place_order),
            "cancel_order": provide(provide_cancel_order),
            "get_order": provide(provide_get_order),
            "list_orders": provide(provide_list_orders),
        },
    )


module = ModuleDefinition(name="ordering", metadata=metadata, router=router)
