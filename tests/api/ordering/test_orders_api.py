"""The ordering REST contract (OpenAPI document and README notes), end to end through create_app."""

from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.api.problems import assert_problem
from tests.factories import product_body

Client = AsyncTestClient[Litestar]
ORDERS = "/api/ordering/orders"


async def product_with_stock(client: Client, price: str, *quantities: int) -> str:
    product: str = (await client.post("/api/catalog/products", json=product_body(price=price))).json()["id"]
    for quantity in quantities:
        warehouse = (await client.post("/api/inventory/warehouses", json={"name": f"W-{uuid4().hex}"})).json()["id"]
        url = f"/api/inventory/warehouses/{warehouse}/stock/{product}"
        assert (await client.put(url, json={"quantity": quantity})).status_code == 200
    return product


async def available(client: Client, product: str) -> int:
    count: int = (await client.get(f"/api/inventory/products/{product}/stock")).json()["available"]
    return count


def items(*lines: tuple[str, int]) -> dict[str, Any]:
    return {"items": [{"product_id": product, "quantity": quantity} for product, quantity in lines]}


async def test_place_a_partly_fulfilled_order(client: Client) -> None:
    plenty = await product_with_stock(client, "2.50", 10, 5)
    scarce = await product_with_stock(client, "100.00", 1, 2)
    none = await product_with_stock(client, "7.00")

    response = await client.post(ORDERS, json=items((plenty, 4), (none, 2), (scarce, 5)))

    assert response.status_code == 201
    order = response.json()
    assert response.headers["location"] == f"{ORDERS}/{order['id']}"
    assert order["status"] == "placed"
    assert [(i["product_id"], i["requested_quantity"], i["quantity"]) for i in order["items"]] == [
        (plenty, 4, 4),
        (scarce, 5, 3),
    ]
    assert [i["unit_price"] for i in order["items"]] == ["2.50", "100.00"]
    assert [i["line_total"] for i in order["items"]] == ["10.00", "300.00"]
    assert order["out_of_stock"] == [{"product_id": none, "requested_quantity": 2}]
    assert order["total"] == "310.00"
    assert {"id", "status", "created_at", "items", "out_of_stock", "total"} <= set(order)
    assert (await client.get(f"{ORDERS}/{order['id']}")).json() == order
    assert (await available(client, plenty), await available(client, scarce)) == (11, 0)


async def test_lines_keep_name_and_price_of_the_moment(client: Client) -> None:
    product = await product_with_stock(client, "5.00", 10)
    order = (await client.post(ORDERS, json=items((product, 1)))).json()
    await client.patch(f"/api/catalog/products/{product}", json={"name": "Renamed", "price": "9.99"})
    line = (await client.get(f"{ORDERS}/{order['id']}")).json()["items"][0]
    assert (line["name"], line["unit_price"]) == (order["items"][0]["name"], "5.00")


async def test_repeated_product_ids_are_merged(client: Client) -> None:
    product = await product_with_stock(client, "1.00", 10)
    order = (await client.post(ORDERS, json=items((product, 2), (product, 3)))).json()
    assert [(i["requested_quantity"], i["quantity"]) for i in order["items"]] == [(5, 5)]


async def test_integral_numbers_are_integers_and_strings_are_not(client: Client) -> None:
    """As the OpenAPI 3.1 document (JSON Schema 2020-12) reads them: 2.0 is the integer 2; "2" is a string."""
    product = await product_with_stock(client, "1.00", 10)
    order = await client.post(ORDERS, json={"items": [{"product_id": product, "quantity": 2.0}]})
    assert order.status_code == 201, order.text
    assert order.json()["items"][0]["quantity"] == 2
    assert_problem(await client.post(ORDERS, json={"items": [{"product_id": product, "quantity": "2"}]}), 400)
    assert await available(client, product) == 8


async def test_order_with_nothing_in_stock_is_409_and_stores_nothing(client: Client) -> None:
    product = await product_with_stock(client, "1.00", 0)
    assert_problem(await client.post(ORDERS, json=items((product, 1))), 409)
    assert (await client.get(ORDERS)).json()["total"] == 0


async def test_unknown_products_are_422_listed_and_nothing_is_reserved(client: Client) -> None:
    product = await product_with_stock(client, "1.00", 3)
    ghosts = [str(uuid4()), str(uuid4())]
    problem = assert_problem(await client.post(ORDERS, json=items((product, 1), (ghosts[0], 1), (ghosts[1], 2))), 422)
    assert problem["unknown_ids"] == ghosts
    assert await available(client, product) == 3
    assert (await client.get(ORDERS)).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": []}, "items"),
        ({}, "items"),
        ({"items": None}, "items"),
        ({"items": [{"product_id": "not-a-uuid", "quantity": 1}]}, "items[0].product_id"),
        ({"items": [{"product_id": str(uuid4()), "quantity": 0}]}, "items[0].quantity"),
        ({"items": [{"product_id": str(uuid4()), "quantity": 1_000_001}]}, "items[0].quantity"),
        ({"items": [{"product_id": str(uuid4()), "quantity": 1.5}]}, "items[0].quantity"),
        ({"items": [{"product_id": str(uuid4())}]}, "items[0].quantity"),
        ({"items": [{"product_id": str(uuid4()), "quantity": 1}] * 101}, "items"),
    ],
)
async def test_invalid_order_bodies_are_400(client: Client, body: object, field: str) -> None:
    assert_problem(await client.post(ORDERS, json=body), 400, field=field)
    assert (await client.get(ORDERS)).json()["total"] == 0


async def test_idempotency_key_replays_the_same_order(client: Client) -> None:
    product = await product_with_stock(client, "3.00", 10)
    headers = {"Idempotency-Key": "order-123"}
    first = await client.post(ORDERS, json=items((product, 4)), headers=headers)
    again = await client.post(ORDERS, json=items((product, 4)), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert await available(client, product) == 6


async def test_idempotency_key_with_another_body_is_409(client: Client) -> None:
    product = await product_with_stock(client, "3.00", 10)
    headers = {"Idempotency-Key": "order-456"}
    await client.post(ORDERS, json=items((product, 4)), headers=headers)
    assert_problem(await client.post(ORDERS, json=items((product, 5)), headers=headers), 409)
    assert await available(client, product) == 6


@pytest.mark.parametrize("key", ["", "x" * 201, "naïve", "tab\tkey"])
async def test_malformed_idempotency_key_is_400(client: Client, key: str) -> None:
    product = await product_with_stock(client, "3.00", 10)
    headers = [(b"Idempotency-Key", key.encode())]
    assert_problem(await client.post(ORDERS, json=items((product, 1)), headers=headers), 400)
    assert await available(client, product) == 10


async def test_cancel_returns_stock_to_its_warehouses_and_is_idempotent(client: Client) -> None:
    product = await product_with_stock(client, "1.00", 4, 6)
    before = (await client.get(f"/api/inventory/products/{product}/stock")).json()
    order = (await client.post(ORDERS, json=items((product, 8)))).json()

    cancelled = await client.post(f"{ORDERS}/{order['id']}/cancel")

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["items"] == order["items"]
    assert (await client.get(f"/api/inventory/products/{product}/stock")).json() == before
    again = await client.post(f"{ORDERS}/{order['id']}/cancel")
    assert (again.status_code, again.json()["status"]) == (200, "cancelled")
    assert (await client.get(f"/api/inventory/products/{product}/stock")).json() == before
    assert (await client.get(f"{ORDERS}/{order['id']}")).json()["status"] == "cancelled"


async def test_unknown_orders_are_404_and_malformed_ids_400(client: Client) -> None:
    assert_problem(await client.get(f"{ORDERS}/{uuid4()}"), 404)
    assert_problem(await client.post(f"{ORDERS}/{uuid4()}/cancel"), 404)
    assert_problem(await client.get(f"{ORDERS}/123"), 400, field="order_id")
    assert_problem(await client.post(f"{ORDERS}/123/cancel"), 400, field="order_id")


async def test_list_is_newest_first_and_paginated(client: Client) -> None:
    product = await product_with_stock(client, "1.00", 10)
    ids = [(await client.post(ORDERS, json=items((product, 1)))).json()["id"] for _ in range(3)]
    page = (await client.get(ORDERS, params={"limit": 2, "offset": 0})).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert [o["id"] for o in page["items"]] == [ids[2], ids[1]]
    assert [o["id"] for o in (await client.get(ORDERS, params={"offset": 2})).json()["items"]] == [ids[0]]
    assert_problem(await client.get(ORDERS, params={"limit": 101}), 400, field="limit")


async def test_total_is_the_sum_of_line_totals(client: Client) -> None:
    a = await product_with_stock(client, "0.10", 5)
    b = await product_with_stock(client, "19.99", 5)
    order = (await client.post(ORDERS, json=items((a, 3), (b, 3)))).json()
    assert Decimal(order["total"]) == sum(Decimal(i["line_total"]) for i in order["items"]) == Decimal("60.27")
