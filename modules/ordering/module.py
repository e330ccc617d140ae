"""Ordering wiring: use cases over the request's session and the catalog and inventory facades."""

from litestar.di import NamedDependency, Provide
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from modules.catalog.facade import CatalogFacade
from modules.inventory.facade import ReserveStock
from modules.ordering.api.controller import OrderController
from modules.ordering.application.place_order import PlaceOrder
from modules.ordering.application.use_cases import CancelOrder, GetOrder, ListOrders
from modules.ordering.infrastructure.events import MetricsAndLogOrderEvents
from modules.ordering.infrastructure.repository import SqlOrderRepository
from shared_kernel.infrastructure.unit_of_work import SqlAlchemyUnitOfWork

_events = MetricsAndLogOrderEvents()


def provide_place_order(
    db_session: NamedDependency[AsyncSession],
    catalog_facade: NamedDependency[CatalogFacade],
    reserve_stock: NamedDependency[ReserveStock],
) -> PlaceOrder:
    return PlaceOrder(
        SqlAlchemyUnitOfWork(db_session),
        SqlOrderRepository(db_session),
        catalog_facade,
        reserve_stock,
        _events,
    )


def provide_cancel_order(
    db_session: NamedDependency[AsyncSession],
    reserve_stock: NamedDependency[ReserveStock],
) -> CancelOrder:
    return CancelOrder(SqlAlchemyUnitOfWork(db_session), SqlOrderRepository(db_session), reserve_stock, _events)


def provide_get_order(db_session: NamedDependency[AsyncSession]) -> GetOrder:
    return GetOrder(SqlOrderRepository(db_session))


def provide_list_orders(db_session: NamedDependency[AsyncSession]) -> ListOrders:
    return ListOrders(SqlOrderRepository(db_session))


route_handlers: list[ControllerRouterHandler] = [OrderController]

dependencies = {
    "place_order": Provide(provide_place_order, sync_to_thread=False),
    "cancel_order": Provide(provide_cancel_order, sync_to_thread=False),
    "get_order": Provide(provide_get_order, sync_to_thread=False),
    "list_orders": Provide(provide_list_orders, sync_to_thread=False),
}
