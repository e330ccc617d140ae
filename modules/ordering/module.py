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
from shared_kernel.infrastructure.database import FacadeFactory
from shared_kernel.infrastructure.unit_of_work import SqlAlchemyUnitOfWork

_events = MetricsAndLogOrderEvents()


def provide_get_order(db_session: NamedDependency[AsyncSession]) -> GetOrder:
    return GetOrder(SqlOrderRepository(db_session))


def provide_list_orders(db_session: NamedDependency[AsyncSession]) -> ListOrders:
    return ListOrders(SqlOrderRepository(db_session))


route_handlers: list[ControllerRouterHandler] = [OrderController]


def dependencies(
    *,
    catalog_facade: FacadeFactory[CatalogFacade],
    reserve_stock: FacadeFactory[ReserveStock],
) -> dict[str, Provide]:
    """Providers for ordering's use cases, given the facades they use (wired by the composition root)."""

    def provide_place_order(db_session: NamedDependency[AsyncSession]) -> PlaceOrder:
        return PlaceOrder(
            SqlAlchemyUnitOfWork(db_session),
            SqlOrderRepository(db_session),
            catalog_facade(db_session),
            reserve_stock(db_session),
            _events,
        )

    def provide_cancel_order(db_session: NamedDependency[AsyncSession]) -> CancelOrder:
        return CancelOrder(
            SqlAlchemyUnitOfWork(db_session),
            SqlOrderRepository(db_session),
            reserve_stock(db_session),
            _events,
        )

    return {
        "place_order": Provide(provide_place_order, sync_to_thread=False),
        "cancel_order": Provide(provide_cancel_order, sync_to_thread=False),
        "get_order": Provide(provide_get_order, sync_to_thread=False),
        "list_orders": Provide(provide_list_orders, sync_to_thread=False),
    }
