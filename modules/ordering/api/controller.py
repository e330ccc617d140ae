"""HTTP edge of ordering: place, read and cancel orders."""

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody

from modules.ordering.api.schemas import OrderOut, OrderPage, PlaceOrderBody
from modules.ordering.application.ports import IDEMPOTENCY_KEY_MAX_LENGTH
from modules.ordering.application.use_cases import CancelOrder, GetOrder, ListOrders, PlaceOrder, PlaceOrderCommand
from modules.ordering.domain.order import RequestedLine
from shared_kernel.api.pagination import page_request
from shared_kernel.api.problems import problem_responses
from shared_kernel.application.pagination import PageRequest

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        pattern=r"^[\x20-\x7e]+$",
        description="Retry-safe placement: the same key and body return the same order and take no more stock.",
    ),
]


class OrderController(Controller):
    path = "/api/ordering/orders"
    tags = ["ordering"]  # noqa: RUF012
    dependencies = {"page": Provide(page_request, sync_to_thread=False)}  # noqa: RUF012

    @post(
        summary="Place an order",
        description="Each line gets the requested quantity if the warehouses together hold enough, else "
        "everything they hold; lines that got nothing are listed in `out_of_stock`. 201 for a new order, 200 "
        "when an Idempotency-Key retry returns the order placed before.",
        responses={
            200: ResponseSpec(
                data_container=OrderOut,
                description="An Idempotency-Key retry: the order placed before, unchanged.",
                generate_examples=False,
            ),
            **problem_responses(409, 415, 422),
        },
    )
    async def place(
        self,
        data: JSONBody[PlaceOrderBody],
        place_order: NamedDependency[PlaceOrder],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[OrderOut]:
        command = PlaceOrderCommand(
            lines=[RequestedLine(item.product_id, item.quantity) for item in data.items],
            idempotency_key=idempotency_key,
        )
        placement = await place_order(command)
        return Response(
            OrderOut.of(placement.order),
            status_code=201 if placement.created else 200,
            headers={"Location": f"{self.path}/{placement.order.id}"},
        )

    @get(summary="List orders, newest first", responses=problem_responses())
    async def list(self, page: NamedDependency[PageRequest], list_orders: NamedDependency[ListOrders]) -> OrderPage:
        result = await list_orders(page)
        return OrderPage(
            items=[OrderOut.of(order) for order in result.items],
            total=result.total,
            limit=result.limit,
            offset=result.offset,
        )

    @get("/{order_id:str}", summary="Get an order", responses=problem_responses(404))
    async def get(self, order_id: FromPath[UUID], get_order: NamedDependency[GetOrder]) -> OrderOut:
        return OrderOut.of(await get_order(order_id))

    @post(
        "/{order_id:str}/cancel",
        summary="Cancel an order and return its stock (idempotent)",
        status_code=200,
        responses=problem_responses(404),
    )
    async def cancel(self, order_id: FromPath[UUID], cancel_order: NamedDependency[CancelOrder]) -> OrderOut:
        return OrderOut.of(await cancel_order(order_id))
