"""HTTP edge of the storefront: HTML pages and their forms (post/redirect/get), for people."""

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from modules.storefront.api.rendering import html_page
from modules.storefront.application.use_cases import (
    CancelOrderFromPage,
    Placed,
    PlaceOrderFromForm,
    ShowCatalog,
    ShowOrder,
    ShowOrders,
)
from modules.storefront.domain.paging import page_number
from shared_kernel.domain.errors import DomainError, NotFound

AnyRequest = Request[Any, Any, Any]


def _query(request: AnyRequest, name: str) -> str:
    """A query parameter read leniently: a page must answer whatever the address bar holds."""
    return str(request.query_params.get(name) or "")


def _order_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise NotFound("There is no such order.") from None


def _error_page(title: str, message: str, status: int) -> Response[str]:
    return html_page("error.html", {"title": title, "message": message}, status_code=status)


def _not_found(_: AnyRequest, exc: NotFound) -> Response[str]:
    return _error_page("Not found", exc.detail, 404)


def _refused(_: AnyRequest, exc: DomainError) -> Response[str]:
    return _error_page("Something is wrong with this request", exc.detail, 400)


def _http_error(_: AnyRequest, exc: HTTPException) -> Response[str]:
    if exc.status_code >= 500:
        return _error_page("The shop cannot answer right now", "Please try again in a moment.", exc.status_code)
    return _error_page("Something is wrong with this request", exc.detail, exc.status_code)


class StorefrontController(Controller):
    path = "/"
    include_in_schema = False  # HTML for people; the OpenAPI document describes the REST API
    exception_handlers: ExceptionHandlersMap = {  # noqa: RUF012
        NotFound: _not_found,
        DomainError: _refused,
        ValidationException: _http_error,
        HTTPException: _http_error,
    }

    @get("/", name="storefront_catalog")
    async def catalog(self, request: AnyRequest, show_catalog: NamedDependency[ShowCatalog]) -> Response[str]:
        page = await show_catalog(search=_query(request, "q"), page=page_number(_query(request, "page")))
        return html_page("catalog.html", {"page": page})

    @post("/", name="storefront_place_order", status_code=303)
    async def place_order(
        self,
        request: AnyRequest,
        place_order_from_form: NamedDependency[PlaceOrderFromForm],
        show_catalog: NamedDependency[ShowCatalog],
    ) -> Redirect | Response[str]:
        form = await request.form()
        result = await place_order_from_form(form.multi_items())
        if isinstance(result, Placed):
            return Redirect(f"/orders/{result.order_id}", status_code=303)
        # Back to the page the form was on, with what was typed and why nothing was ordered.
        page = await show_catalog(
            search=str(form.get("q") or ""),
            page=page_number(str(form.get("page") or "")),
            entered=result.entered,
            message=result.message,
        )
        return html_page("catalog.html", {"page": page}, status_code=400 if result.damaged else 422)

    @get("/orders", name="storefront_orders")
    async def orders(self, request: AnyRequest, show_orders: NamedDependency[ShowOrders]) -> Response[str]:
        page = await show_orders(page_number(_query(request, "page")))
        cancelled = _query(request, "cancelled")
        return html_page("orders.html", {"page": page, "cancelled": cancelled})

    @get("/orders/{order_id:str}", name="storefront_order")
    async def order(self, order_id: FromPath[str], show_order: NamedDependency[ShowOrder]) -> Response[str]:
        return html_page("order.html", {"page": await show_order(_order_id(order_id))})

    @post("/orders/{order_id:str}/cancel", name="storefront_cancel_order", status_code=303)
    async def cancel(
        self,
        order_id: FromPath[str],
        request: AnyRequest,
        cancel_order_from_page: NamedDependency[CancelOrderFromPage],
    ) -> Redirect:
        order = _order_id(order_id)
        await cancel_order_from_page(order)
        form = await request.form()
        if form.get("back") == "order":
            return Redirect(f"/orders/{order}", status_code=303)
        return Redirect(f"/orders?page={page_number(str(form.get('page') or ''))}&cancelled={order}", status_code=303)
