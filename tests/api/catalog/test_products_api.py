"""The catalog REST contract (OpenAPI document and README notes), end to end through create_app."""

from typing import Any
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.api.problems import assert_problem
from tests.factories import product_body

Client = AsyncTestClient[Litestar]
URL = "/api/catalog/products"


async def create(client: Client, **overrides: Any) -> dict[str, Any]:
    response = await client.post(URL, json=product_body(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def count_products(client: Client) -> int:
    total: int = (await client.get(URL)).json()["total"]
    return total


async def test_create_returns_product_with_location(client: Client) -> None:
    response = await client.post(URL, json={"name": "Laptop", "description": "14 inch", "price": "1499.9"})
    assert response.status_code == 201
    product = response.json()
    assert response.headers["location"] == f"{URL}/{product['id']}"
    assert product["name"] == "Laptop"
    assert product["description"] == "14 inch"
    assert product["price"] == "1499.90"
    assert product["created_at"] == product["updated_at"]
    fetched = await client.get(response.headers["location"])
    assert fetched.json() == product


@pytest.mark.parametrize(("price", "stored"), [(12, "12.00"), (0.5, "0.50"), ("9999999999.99", "9999999999.99")])
async def test_price_accepts_string_or_number(client: Client, price: object, stored: str) -> None:
    assert (await create(client, price=price))["price"] == stored


async def test_description_defaults_to_empty(client: Client) -> None:
    response = await client.post(URL, json={"name": "Pen", "price": "1.00"})
    assert response.json()["description"] == ""


async def test_unknown_fields_are_ignored_so_clients_can_evolve(client: Client) -> None:
    response = await client.post(URL, json={"name": "Pen", "price": "1.00", "colour": "red"})
    assert response.status_code == 201
    assert "colour" not in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "price": "1.00"}, "name"),
        ({"name": "   ", "price": "1.00"}, "name"),
        ({"name": "x" * 201, "price": "1.00"}, "name"),
        ({"name": "ok", "price": "1.00", "description": "d" * 5001}, "description"),
        ({"name": "ok", "price": "0"}, "price"),
        ({"name": "ok", "price": "0.00"}, "price"),
        ({"name": "ok", "price": -5}, "price"),
        ({"name": "ok", "price": "1.001"}, "price"),
        ({"name": "ok", "price": 1.001}, "price"),
        ({"name": "ok", "price": "10000000000.00"}, "price"),
        ({"name": "ok", "price": "NaN"}, "price"),
        ({"name": "ok", "price": "abc"}, "price"),
        ({"name": "ok", "price": True}, "price"),
        ({"name": "ok"}, "price"),
        ({"price": "1.00"}, "name"),
        ({"name": 5, "price": "1.00"}, "name"),
        ({"name": "nul\u0000", "price": "1.00"}, "name"),
    ],
)
async def test_create_refuses_invalid_bodies_and_stores_nothing(client: Client, body: object, field: str) -> None:
    assert_problem(await client.post(URL, json=body), 400, field=field)
    assert await count_products(client) == 0


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b"null", b'"text"', b"\xff\xfe"])
async def test_create_refuses_malformed_json(client: Client, raw: bytes) -> None:
    response = await client.post(URL, content=raw, headers={"content-type": "application/json"})
    assert_problem(response, 400)
    assert await count_products(client) == 0


async def test_list_is_newest_first_and_paginated(client: Client) -> None:
    created = [await create(client) for _ in range(5)]
    page = (await client.get(URL, params={"limit": 2, "offset": 1})).json()
    assert page["total"] == 5
    assert (page["limit"], page["offset"]) == (2, 1)
    assert [p["id"] for p in page["items"]] == [created[3]["id"], created[2]["id"]]
    default = (await client.get(URL)).json()
    assert (default["limit"], default["offset"], len(default["items"])) == (20, 0, 5)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"offset": -1}, "offset"), ({"limit": "x"}, "limit")],
)
async def test_list_refuses_bad_pagination(client: Client, params: dict[str, int | str], field: str) -> None:
    assert_problem(await client.get(URL, params=params), 400, field=field)


async def test_get_unknown_product_is_404_and_malformed_id_is_400(client: Client) -> None:
    assert_problem(await client.get(f"{URL}/{uuid4()}"), 404)
    assert_problem(await client.get(f"{URL}/not-a-uuid"), 400, field="product_id")


async def test_patch_changes_only_given_fields(client: Client) -> None:
    product = await create(client, name="Old", price="5.00", description="keep")
    response = await client.patch(f"{URL}/{product['id']}", json={"price": 7.25})
    assert response.status_code == 200
    patched = response.json()
    assert (patched["name"], patched["description"], patched["price"]) == ("Old", "keep", "7.25")
    assert patched["updated_at"] > product["updated_at"]
    assert patched["created_at"] == product["created_at"]
    assert (await client.get(f"{URL}/{product['id']}")).json() == patched


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": " "}, "name"), ({"price": "0"}, "price"), ({"description": "d" * 5001}, "description")],
)
async def test_patch_refuses_invalid_values_and_changes_nothing(
    client: Client,
    body: dict[str, object],
    field: str,
) -> None:
    product = await create(client)
    assert_problem(await client.patch(f"{URL}/{product['id']}", json=body), 400, field=field)
    assert (await client.get(f"{URL}/{product['id']}")).json() == product


async def test_patch_unknown_product_is_404(client: Client) -> None:
    assert_problem(await client.patch(f"{URL}/{uuid4()}", json={"name": "x"}), 404)
