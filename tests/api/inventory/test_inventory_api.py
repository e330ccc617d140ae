"""The inventory REST contract (OpenAPI document and README notes), end to end through create_app."""

from typing import Any
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from modules.inventory.domain.stock import MAX_ON_HAND, MAX_RESERVATION
from tests.api.problems import assert_problem
from tests.factories import product_body

Client = AsyncTestClient[Litestar]
WAREHOUSES = "/api/inventory/warehouses"


async def create_warehouse(client: Client, name: str | None = None, address: str = "") -> dict[str, Any]:
    response = await client.post(WAREHOUSES, json={"name": name or f"W-{uuid4().hex[:8]}", "address": address})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_product(client: Client) -> dict[str, Any]:
    body: dict[str, Any] = (await client.post("/api/catalog/products", json=product_body())).json()
    return body


async def test_create_get_and_list_warehouses(client: Client) -> None:
    response = await client.post(WAREHOUSES, json={"name": "North", "address": "1 Dock Road"})
    assert response.status_code == 201
    warehouse = response.json()
    assert set(warehouse) == {"id", "name", "address", "created_at"}
    assert (warehouse["name"], warehouse["address"]) == ("North", "1 Dock Road")
    assert response.headers["location"] == f"{WAREHOUSES}/{warehouse['id']}"
    assert (await client.get(f"{WAREHOUSES}/{warehouse['id']}")).json() == warehouse
    second = await create_warehouse(client)
    page = (await client.get(WAREHOUSES, params={"limit": 1})).json()
    assert (page["total"], page["limit"], page["offset"]) == (2, 1, 0)
    assert page["items"] == [second]


async def test_address_defaults_to_empty(client: Client) -> None:
    assert (await client.post(WAREHOUSES, json={"name": "Only name"})).json()["address"] == ""


async def test_taken_warehouse_name_is_409(client: Client) -> None:
    await create_warehouse(client, "North")
    assert_problem(await client.post(WAREHOUSES, json={"name": "North"}), 409)
    assert (await client.get(WAREHOUSES)).json()["total"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "ok", "address": "a" * 501}, "address"),
        ({"address": "somewhere"}, "name"),
        ({"name": None}, "name"),
        ({"name": "ok\u0000"}, "name"),
    ],
)
async def test_invalid_warehouses_are_400_and_nothing_is_stored(client: Client, body: object, field: str) -> None:
    assert_problem(await client.post(WAREHOUSES, json=body), 400, field=field)
    assert (await client.get(WAREHOUSES)).json()["total"] == 0


async def test_unknown_warehouse_is_404_and_malformed_id_400(client: Client) -> None:
    assert_problem(await client.get(f"{WAREHOUSES}/{uuid4()}"), 404)
    assert_problem(await client.get(f"{WAREHOUSES}/nope"), 400, field="warehouse_id")


async def test_set_stock_and_read_it_per_warehouse_and_in_total(client: Client) -> None:
    product = await create_product(client)
    north, south = await create_warehouse(client), await create_warehouse(client)
    url = f"{WAREHOUSES}/{north['id']}/stock/{product['id']}"
    response = await client.put(url, json={"quantity": 5})
    assert response.status_code == 200
    assert response.json() == {"warehouse_id": north["id"], "product_id": product["id"], "quantity": 5}
    await client.put(f"{WAREHOUSES}/{south['id']}/stock/{product['id']}", json={"quantity": 7})
    await client.put(url, json={"quantity": 2})  # sets, does not add

    stock = (await client.get(f"/api/inventory/products/{product['id']}/stock")).json()

    assert stock["product_id"] == product["id"]
    assert stock["available"] == 9
    assert sorted((w["warehouse_id"], w["quantity"]) for w in stock["warehouses"]) == sorted(
        [(north["id"], 2), (south["id"], 7)],
    )


async def test_product_without_stock_has_zero_available(client: Client) -> None:
    product = await create_product(client)
    stock = (await client.get(f"/api/inventory/products/{product['id']}/stock")).json()
    assert stock == {"product_id": product["id"], "available": 0, "warehouses": []}


async def test_stock_of_unknown_product_is_404(client: Client) -> None:
    assert_problem(await client.get(f"/api/inventory/products/{uuid4()}/stock"), 404)
    assert_problem(await client.get("/api/inventory/products/xyz/stock"), 400, field="product_id")


async def test_set_stock_needs_existing_warehouse_and_product(client: Client) -> None:
    product, warehouse = await create_product(client), await create_warehouse(client)
    assert_problem(await client.put(f"{WAREHOUSES}/{uuid4()}/stock/{product['id']}", json={"quantity": 1}), 404)
    assert_problem(await client.put(f"{WAREHOUSES}/{warehouse['id']}/stock/{uuid4()}", json={"quantity": 1}), 404)
    stock = (await client.get(f"/api/inventory/products/{product['id']}/stock")).json()
    assert stock["available"] == 0


@pytest.mark.parametrize("quantity", [-1, 1_000_000_001, 1.5, "three", None, True, [1]])
async def test_bad_quantities_are_400_and_change_nothing(client: Client, quantity: object) -> None:
    product, warehouse = await create_product(client), await create_warehouse(client)
    url = f"{WAREHOUSES}/{warehouse['id']}/stock/{product['id']}"
    await client.put(url, json={"quantity": 4})
    assert_problem(await client.put(url, json={"quantity": quantity}), 400, field="quantity")
    assert (await client.get(f"/api/inventory/products/{product['id']}/stock")).json()["available"] == 4


async def test_quantity_limits_are_inclusive(client: Client) -> None:
    product, warehouse = await create_product(client), await create_warehouse(client)
    url = f"{WAREHOUSES}/{warehouse['id']}/stock/{product['id']}"
    assert (await client.put(url, json={"quantity": 1_000_000_000})).status_code == 200
    assert (await client.put(url, json={"quantity": 0})).json()["quantity"] == 0


async def test_restocks_and_cancels_can_never_overflow_a_stock(client: Client) -> None:
    """Merged lines take 100 x 1,000,000 at once; restocking to the maximum after each order, then cancelling
    them all, returns more than the stored level could hold. Every cancel succeeds: the level stops at the
    domain's cap (MAX_ON_HAND), below the column's limit."""
    maximum = 1_000_000_000
    product, warehouse = (await create_product(client))["id"], (await create_warehouse(client))["id"]
    stock_url = f"{WAREHOUSES}/{warehouse}/stock/{product}"
    merged = {"items": [{"product_id": product, "quantity": 1_000_000}] * 100}
    orders = []
    for _ in range(12):  # 12 x 100,000,000 returned on top of 1,000,000,000 passes MAX_ON_HAND
        assert (await client.put(stock_url, json={"quantity": maximum})).status_code == 200
        order = await client.post("/api/ordering/orders", json=merged)
        assert order.status_code == 201, order.text
        assert order.json()["items"][0]["quantity"] == MAX_RESERVATION
        orders.append(order.json()["id"])
    assert (await client.put(stock_url, json={"quantity": maximum})).status_code == 200
    for order_id in orders:
        assert (await client.post(f"/api/ordering/orders/{order_id}/cancel")).status_code == 200
    assert (await client.get(f"/api/inventory/products/{product}/stock")).json()["available"] == MAX_ON_HAND
