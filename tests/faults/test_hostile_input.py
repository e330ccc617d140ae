"""A corpus of requests the OpenAPI document refuses, sent to the production server (2 workers): each is
answered 4xx problem+json as the contract says, and none of them stores anything.

Integral JSON numbers such as 2.0 are integers for the served OpenAPI 3.1 document (JSON Schema 2020-12), so
they are accepted (tests/api/ordering checks one); "2", "1e3" and 2.5 are not integers anywhere."""

import asyncio
import json
from typing import Any

import asyncpg
import httpx
import pytest

from tests.faults.conftest import FaultRig
from tests.faults.shop import PROBLEM_JSON, open_shop

# One shared throwaway cluster and server: these tests run one after the other, on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("faults")]

JSON = {"content-type": "application/json"}
ORDERS = "/api/ordering/orders"
PRODUCTS = "/api/catalog/products"
WAREHOUSES = "/api/inventory/warehouses"


def _order(quantity: Any, product: str = "{product}") -> dict[str, Any]:
    return {"items": [{"product_id": product, "quantity": quantity}]}


def _product(price: Any, name: Any = "Hostile") -> dict[str, Any]:
    return {"name": name, "price": price}


# (method, path, body: JSON-able or raw bytes, extra headers, expected status). "{product}" and "{warehouse}"
# are replaced by real ids, so that only the refused value can be why a request is refused.
CORPUS: list[tuple[str, str, Any, dict[str, str], int]] = [
    # integers are integers
    ("POST", ORDERS, _order("2"), JSON, 400),
    ("POST", ORDERS, _order(2.5), JSON, 400),
    ("POST", ORDERS, _order("2.0"), JSON, 400),
    ("POST", ORDERS, _order("1e3"), JSON, 400),
    ("POST", ORDERS, _order(True), JSON, 400),
    ("POST", ORDERS, _order(None), JSON, 400),
    ("POST", ORDERS, _order(0), JSON, 400),
    ("POST", ORDERS, _order(-1), JSON, 400),
    ("POST", ORDERS, _order(1_000_001), JSON, 400),
    ("POST", ORDERS, _order(2**63), JSON, 400),
    ("POST", ORDERS, _order(1, product="not-a-uuid"), JSON, 400),
    ("POST", ORDERS, {"items": []}, JSON, 400),
    ("POST", ORDERS, {"items": [{"product_id": "{product}", "quantity": 1}] * 101}, JSON, 400),
    ("POST", ORDERS, {}, JSON, 400),
    ("POST", ORDERS, [], JSON, 400),
    ("POST", ORDERS, None, JSON, 400),
    ("POST", ORDERS, b'{"items": [', JSON, 400),
    ("POST", ORDERS, b'{"items": [{"product_id": "\xff\xfe", "quantity": 1}]}', JSON, 400),  # not UTF-8
    ("POST", ORDERS, b"\xef\xbb\xbf{}", JSON, 400),
    ("POST", ORDERS, _order(1), {"content-type": "text/plain"}, 415),
    ("POST", ORDERS, _order(1), {"content-type": "application/x-www-form-urlencoded"}, 415),
    ("POST", ORDERS, _order(1), {**JSON, "Idempotency-Key": "tab\there"}, 400),
    ("POST", ORDERS, _order(1), {**JSON, "Idempotency-Key": "k" * 201}, 400),
    # money: a JSON number, or a string in the documented plain form
    ("POST", PRODUCTS, _product("1e2"), JSON, 400),
    ("POST", PRODUCTS, _product("١٢٣"), JSON, 400),
    ("POST", PRODUCTS, _product(" 5 "), JSON, 400),
    ("POST", PRODUCTS, _product("5\n"), JSON, 400),
    ("POST", PRODUCTS, _product("NaN"), JSON, 400),
    ("POST", PRODUCTS, _product("Infinity"), JSON, 400),
    ("POST", PRODUCTS, _product("0"), JSON, 400),
    ("POST", PRODUCTS, _product("0.001"), JSON, 400),
    ("POST", PRODUCTS, _product("12.345"), JSON, 400),
    ("POST", PRODUCTS, _product(-1), JSON, 400),
    ("POST", PRODUCTS, _product(1e11), JSON, 400),
    ("POST", PRODUCTS, _product(True), JSON, 400),
    ("POST", PRODUCTS, _product([1]), JSON, 400),
    # text: not blank, not invisible, no NUL, bounded
    ("POST", PRODUCTS, _product("5.00", name="\u200b\u200b\u200b"), JSON, 400),
    ("POST", PRODUCTS, _product("5.00", name="\u200b \ufeff\u2060"), JSON, 400),
    ("POST", PRODUCTS, _product("5.00", name="   "), JSON, 400),
    ("POST", PRODUCTS, _product("5.00", name=""), JSON, 400),
    ("POST", PRODUCTS, _product("5.00", name="a\u0000b"), JSON, 400),
    ("POST", PRODUCTS, _product("5.00", name="x" * 201), JSON, 400),
    ("POST", PRODUCTS, _product("5.00", name=123), JSON, 400),
    ("POST", PRODUCTS, _product("5.00"), {"content-type": "text/plain"}, 415),
    ("POST", PRODUCTS, _product("5.00"), {}, 415),
    ("PATCH", f"{PRODUCTS}/{{product}}", {"price": "1e2"}, JSON, 400),
    ("PATCH", f"{PRODUCTS}/{{product}}", {"name": "\u200b"}, JSON, 400),
    ("POST", WAREHOUSES, {"name": "\u200c\u200d"}, JSON, 400),
    ("PUT", f"{WAREHOUSES}/{{warehouse}}/stock/{{product}}", {"quantity": "2"}, JSON, 400),
    ("PUT", f"{WAREHOUSES}/{{warehouse}}/stock/{{product}}", {"quantity": 2.5}, JSON, 400),
    ("PUT", f"{WAREHOUSES}/{{warehouse}}/stock/{{product}}", {"quantity": 1_000_000_001}, JSON, 400),
    ("PUT", f"{WAREHOUSES}/{{warehouse}}/stock/{{product}}", {"quantity": 2}, {"content-type": "text/plain"}, 415),
    # query and path parameters
    ("GET", f"{PRODUCTS}?limit=1e2", None, {}, 400),
    ("GET", f"{PRODUCTS}?limit=5.0", None, {}, 400),
    ("GET", f"{PRODUCTS}?limit=5&limit=7", None, {}, 400),
    ("GET", f"{PRODUCTS}?limit=%D9%A5", None, {}, 400),
    ("GET", f"{PRODUCTS}?limit=%205", None, {}, 400),
    ("GET", f"{ORDERS}?offset=-1", None, {}, 400),
    ("GET", f"{ORDERS}?offset=1e1", None, {}, 400),
    ("GET", f"{WAREHOUSES}?limit=0", None, {}, 400),
    ("GET", f"{PRODUCTS}/not-a-uuid", None, {}, 400),
    ("POST", f"{ORDERS}/123/cancel", None, {}, 400),
]

COUNT_EVERYTHING = """
SELECT (SELECT count(*) FROM catalog.products) AS products, (SELECT count(*) FROM inventory.warehouses) AS warehouses,
       (SELECT sum(quantity) FROM inventory.stock) AS stock, (SELECT count(*) FROM ordering.orders) AS orders,
       (SELECT count(*) FROM inventory.allocations) AS allocations,
       (SELECT string_agg(name || price, ',') FROM catalog.products) AS catalog
"""


async def _everything(dsn: str) -> dict[str, Any]:
    connection = await asyncpg.connect(dsn)
    try:
        return dict(await connection.fetchrow(COUNT_EVERYTHING))  # type: ignore[arg-type]
    finally:
        await connection.close()


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, bytes):
        return value
    text = json.dumps(value) if not isinstance(value, str) else value
    return text.replace("{product}", ids["product"]).replace("{warehouse}", ids["warehouse"])


@pytest.fixture(scope="module")
def ids(rig: FaultRig) -> dict[str, str]:
    shop = open_shop(rig.url, products=1)
    with httpx.Client(base_url=rig.url) as http:
        warehouse = http.get(WAREHOUSES, params={"limit": 1}).json()["items"][0]["id"]
    return {"product": shop.products[0], "warehouse": warehouse}


def test_every_hostile_request_is_a_4xx_problem_and_stores_nothing(rig: FaultRig, ids: dict[str, str]) -> None:
    before = asyncio.run(_everything(rig.dsn))
    wrong = []
    with httpx.Client(base_url=rig.url, timeout=30) as http:
        for method, path, body, headers, expected in CORPUS:
            content = None if body is None and method == "GET" else _fill(body, ids)
            if isinstance(content, str):
                content = content.encode()
            response = http.request(method, _fill(path, ids), content=content, headers=headers)
            problem = response.headers.get("content-type", "").startswith(PROBLEM_JSON)
            if response.status_code != expected or not problem:
                wrong.append(f"{method} {path} {body!r:.80} -> {response.status_code} {response.text[:200]}")
    assert not wrong, "\n".join(wrong)
    assert asyncio.run(_everything(rig.dsn)) == before
