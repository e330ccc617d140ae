"""Storefront use cases: pages assembled from the catalog, inventory and ordering facades.

The storefront owns no data, so no use case here opens a transaction: placing and cancelling are
ordering's use cases (behind its facade), which commit their own.
"""

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID, uuid4

from modules.catalog.facade import SEARCH_MAX_LENGTH, CatalogFacade, ProductListing
from modules.inventory.facade import InventoryFacade
from modules.ordering.facade import (
    MAX_LINE_QUANTITY,
    IdempotencyKeyReused,
    NothingInStock,
    OrderingFacade,
    OrderListing,
)
from modules.storefront.application.views import CatalogPage, MissingProduct, OrderPage, OrdersPage, ProductRow
from modules.storefront.domain.order_form import DamagedForm, OrderForm, read_order_form
from modules.storefront.domain.paging import PAGE_SIZE, Pagination
from modules.storefront.domain.search import search_text
from shared_kernel.domain.errors import InvalidInput, UnknownReferences

# Keys of orders placed through the storefront are told apart from those of REST clients.
KEY_PREFIX = "storefront-"


class _Listing(Protocol):
    @property
    def items(self) -> Sequence[object]: ...

    @property
    def total(self) -> int: ...


async def _page_of[L: _Listing](fetch: Callable[[int], Awaitable[L]], number: int) -> tuple[L, Pagination]:
    """Page `number` of a listing (fetched by offset); past the end, the last page."""
    listing = await fetch(Pagination(number, 0).offset)
    pagination = Pagination(number, listing.total)
    if not listing.items and pagination.number > pagination.count:
        pagination = Pagination(pagination.count, listing.total)
        listing = await fetch(pagination.offset)
    return listing, pagination


class ShowCatalog:
    def __init__(self, catalog: CatalogFacade, inventory: InventoryFacade) -> None:
        self._catalog = catalog
        self._inventory = inventory

    async def __call__(
        self,
        *,
        search: str = "",
        page: int = 1,
        entered: Mapping[UUID, str] | None = None,
        message: str | None = None,
    ) -> CatalogPage:
        search = search_text(search, max_length=SEARCH_MAX_LENGTH)

        async def products(offset: int) -> ProductListing:
            return await self._catalog.list_products(search=search, limit=PAGE_SIZE, offset=offset)

        listing, pagination = await _page_of(products, page)
        available = await self._inventory.available_quantities([p.id for p in listing.items])
        entered = entered or {}
        rows = [
            ProductRow(p.id, p.name, p.description, p.price, available[p.id], entered.get(p.id, ""))
            for p in listing.items
        ]
        return CatalogPage(rows, search, pagination, form_key=str(uuid4()), message=message)


@dataclass(frozen=True, slots=True)
class Placed:
    order_id: UUID


@dataclass(frozen=True, slots=True)
class Refused:
    message: str
    entered: dict[UUID, str]  # the quantities to show again
    damaged: bool = False  # the form itself was not one the page rendered


class PlaceOrderFromForm:
    """Turn a submitted catalog form into an order, or say plainly why not (and order nothing)."""

    def __init__(self, catalog: CatalogFacade, ordering: OrderingFacade) -> None:
        self._catalog = catalog
        self._ordering = ordering

    async def __call__(self, fields: Iterable[tuple[str, object]]) -> Placed | Refused:
        try:
            form = read_order_form(fields, max_quantity=MAX_LINE_QUANTITY)
        except DamagedForm:
            return Refused("The form was damaged or out of date, so nothing was ordered. Please try again.", {}, True)
        return await self._refusal(form) or await self._place(form)

    async def _refusal(self, form: OrderForm) -> Refused | None:
        """Why the form cannot become an order before ordering is even asked, if it cannot."""
        if form.invalid:
            names = await product_names(self._catalog, form.invalid)
            problems = "; ".join(f"{names[pid]}: {problem}" for pid, problem in form.invalid.items())
            return Refused(f"Please correct the quantities ({problems}). Nothing was ordered.", form.entered)
        if not form.quantities:
            return Refused("Nothing selected: enter a quantity for at least one product.", form.entered)
        return None

    async def _place(self, form: OrderForm) -> Placed | Refused:
        try:
            order = await self._ordering.place_order(form.quantities, idempotency_key=KEY_PREFIX + form.key)
        except UnknownReferences as exc:
            gone = {UUID(ref) for ref in exc.references}
            kept = {pid: text for pid, text in form.entered.items() if pid not in gone}
            return Refused(
                f"{_no_longer_in_catalog(len(gone))}, so nothing was ordered. "
                "Please check the quantities and place the order again.",
                kept,
            )
        except NothingInStock:
            return Refused("None of the products you chose is in stock, so nothing was ordered.", form.entered)
        except IdempotencyKeyReused:
            return Refused(
                "This form was already used for an order with other quantities (see Orders), so nothing new was "
                "ordered. Press “Place order” again to order these quantities.",
                form.entered,
            )
        except InvalidInput as exc:
            return Refused(f"{exc.detail[:1].upper()}{exc.detail[1:]}. Nothing was ordered.", form.entered)
        return Placed(order.id)


async def product_names(catalog: CatalogFacade, product_ids: Iterable[UUID]) -> dict[UUID, str]:
    """Current names; a product that is gone from the catalog is named by its id."""
    ids = list(product_ids)
    found = await catalog.get_products(ids)
    return {pid: found[pid].name if pid in found else f"product {pid}" for pid in ids}


def _no_longer_in_catalog(count: int) -> str:
    if count == 1:
        return "A product you chose is no longer in the catalog"
    return f"{count} products you chose are no longer in the catalog"


class ShowOrder:
    def __init__(self, catalog: CatalogFacade, ordering: OrderingFacade) -> None:
        self._catalog = catalog
        self._ordering = ordering

    async def __call__(self, order_id: UUID) -> OrderPage:
        order = await self._ordering.get_order(order_id)
        names = await product_names(self._catalog, [line.product_id for line in order.out_of_stock])
        missing = [MissingProduct(names[line.product_id], line.requested_quantity) for line in order.out_of_stock]
        return OrderPage(order, missing)


class ShowOrders:
    def __init__(self, ordering: OrderingFacade) -> None:
        self._ordering = ordering

    async def __call__(self, page: int = 1) -> OrdersPage:
        async def orders(offset: int) -> OrderListing:
            return await self._ordering.list_orders(limit=PAGE_SIZE, offset=offset)

        listing, pagination = await _page_of(orders, page)
        return OrdersPage(list(listing.items), pagination)


class CancelOrderFromPage:
    def __init__(self, ordering: OrderingFacade) -> None:
        self._ordering = ordering

    async def __call__(self, order_id: UUID) -> None:
        await self._ordering.cancel_order(order_id)
