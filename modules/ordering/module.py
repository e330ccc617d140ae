"""Ordering wiring: its routes and use cases over the catalog's and inventory's facades, and its published
OrderingFacade over the same use cases."""

from litestar import Router
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from modules.catalog.facade import CatalogFacade
from modules.inventory.facade import InventoryFacade
from modules.ordering.api.controller import OrderController
from modules.ordering.application.facade import OrderingFacadeService
from modules.ordering.application.use_cases import CancelOrder, GetOrder, ListOrders, PlaceOrder
from modules.ordering.facade import OrderingFacade
from modules.ordering.infrastructure.repository import SqlIdempotencyKeys, SqlOrderRepository
from modules.ordering.infrastructure.tables import metadata
from modules.ordering.infrastructure.telemetry import telemetry
from shared_kernel.api.module_definition import ModuleDefinition, provide
from shared_kernel.infrastructure.clock import SystemClock
from shared_kernel.infrastructure.facades import FacadeFactory, FacadeOverFacades, Facades
from shared_kernel.infrastructure.unit_of_work import SqlAlchemyUnitOfWork

_clock = SystemClock()
_events = telemetry()


def provide_get_order(db_session: NamedDependency[AsyncSession]) -> GetOrder:
    return GetOrder(SqlOrderRepository(db_session))


def provide_list_orders(db_session: NamedDependency[AsyncSession]) -> ListOrders:
    return ListOrders(SqlOrderRepository(db_session))


def _place_order(session: AsyncSession, catalog: CatalogFacade, inventory: InventoryFacade) -> PlaceOrder:
    return PlaceOrder(
        SqlAlchemyUnitOfWork(session, _events),
        SqlOrderRepository(session),
        SqlIdempotencyKeys(session),
        catalog,
        inventory,
        clock=_clock,
    )


def _cancel_order(session: AsyncSession, inventory: InventoryFacade) -> CancelOrder:
    return CancelOrder(SqlAlchemyUnitOfWork(session, _events), SqlOrderRepository(session), inventory, _clock)


def router(facades: Facades) -> Router:
    catalog_facade, inventory_facade = facades.of(CatalogFacade), facades.of(InventoryFacade)

    def provide_place_order(db_session: NamedDependency[AsyncSession]) -> PlaceOrder:
        return _place_order(db_session, catalog_facade(db_session), inventory_facade(db_session))

    def provide_cancel_order(db_session: NamedDependency[AsyncSession]) -> CancelOrder:
        return _cancel_order(db_session, inventory_facade(db_session))

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


def ordering_facade(facades: Facades) -> FacadeFactory[OrderingFacade]:
    """The published facade: ordering's own use cases, over the request's session."""
    catalog_facade, inventory_facade = facades.of(CatalogFacade), facades.of(InventoryFacade)

    def build(session: AsyncSession) -> OrderingFacade:
        inventory = inventory_facade(session)
        return OrderingFacadeService(
            place=_place_order(session, catalog_facade(session), inventory),
            get=provide_get_order(session),
            list_page=provide_list_orders(session),
            cancel=_cancel_order(session, inventory),
        )

    return build


module = ModuleDefinition(
    name="ordering",
    metadata=metadata,
    router=router,
    facade=FacadeOverFacades(OrderingFacade, ordering_facade),
)
