"""A shop set up through the REST API (as an operator would), and the catalog page's form read from its HTML:
shared by the storefront's api and browser tests."""

import re
from uuid import uuid4

import httpx


async def product_with_stock(
    client: httpx.AsyncClient, name: str, price: str, *quantities: int, description: str = ""
) -> str:
    """A new product held in one new warehouse per quantity; its id."""
    body = {"name": name, "description": description or f"About {name.lower()}", "price": price}
    product: str = (await client.post("/api/catalog/products", json=body)).json()["id"]
    for quantity in quantities:
        warehouse = (await client.post("/api/inventory/warehouses", json={"name": f"W-{uuid4().hex}"})).json()["id"]
        response = await client.put(
            f"/api/inventory/warehouses/{warehouse}/stock/{product}", json={"quantity": quantity}
        )
        assert response.status_code == 200, response.text
    return product


async def available(client: httpx.AsyncClient, product: str) -> int:
    count: int = (await client.get(f"/api/inventory/products/{product}/stock")).json()["available"]
    return count


async def order_count(client: httpx.AsyncClient) -> int:
    total: int = (await client.get("/api/ordering/orders")).json()["total"]
    return total


def form_key(html: str) -> str:
    match = re.search(r'name="key" value="([^"]+)"', html)
    assert match, "the catalog page has no form key"
    return match.group(1)


def entered(html: str, product: str) -> str:
    """The value of a product's quantity input on the rendered page."""
    match = re.search(rf'name="quantity-{product}"[^>]*value="([^"]*)"', html)
    assert match, f"no quantity input for {product}"
    return match.group(1)


def alert(html: str) -> str:
    match = re.search(r'role="alert"[^>]*>([^<]*)<', html)
    assert match, "no role=alert message on the page"
    return match.group(1).replace("&#34;", '"').replace("&#39;", "'")
