"""The storefront's HTML pages through create_app: what they show, and that no form input makes a 500."""

import asyncio
import re
from typing import Any
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.shop import alert, available, entered, form_key, order_count, product_with_stock

Client = AsyncTestClient[Litestar]


async def post(client: Client, path: str, **kwargs: Any) -> Any:
    """POST without following the redirect: the tests look at the 303 itself."""
    return await client.post(path, follow_redirects=False, **kwargs)


async def order_form(client: Client, **quantities: str) -> dict[str, str]:
    """A freshly rendered form's fields with these quantities (product id -> text)."""
    key = form_key((await client.get("/")).text)
    return {"key": key, "q": "", "page": "1", **{f"quantity-{p}": q for p, q in quantities.items()}}


async def test_the_catalog_page_lists_products_with_price_availability_and_a_labelled_input(client: Client) -> None:
    keyboard = await product_with_stock(client, "Mechanical keyboard", "129.00", 2, 1)

    response = await client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "Mechanical keyboard" in html
    assert "About mechanical keyboard" in html
    assert "129.00" in html
    assert re.search(r"<dt>Available</dt><dd>3</dd>", html)
    assert f'<label for="quantity-{keyboard}">Quantity of Mechanical keyboard</label>' in html
    assert re.search(rf'id="quantity-{keyboard}" name="quantity-{keyboard}" type="number"[^>]*min="0"', html)
    assert ">Place order</button>" in html
    assert '<a href="/orders"' in html


async def test_thousands_of_products_are_paged_and_searchable(client: Client) -> None:
    for i in range(25):
        await post(client, "/api/catalog/products", json={"name": f"Lamp {i:02}", "price": "1.00"})

    first = (await client.get("/")).text
    second = (await client.get("/?page=2")).text
    past_the_end = (await client.get("/?page=999")).text
    found = (await client.get("/", params={"q": "lamp 1"})).text

    assert first.count('class="product"') == 20
    assert "Page 1 of 2" in first
    assert 'href="?page=2"' in first
    assert second.count('class="product"') == 5
    assert "Lamp 00" in second
    assert past_the_end.count('class="product"') == 5
    assert sorted(re.findall(r"<h2>(Lamp \d+)</h2>", found)) == [f"Lamp {i}" for i in range(10, 20)]


async def test_placing_redirects_to_the_order_page_with_the_partial_fill(client: Client) -> None:
    keyboard = await product_with_stock(client, "Mechanical keyboard", "129.00", 2, 1)
    mouse = await product_with_stock(client, "Wireless mouse", "49.99")

    response = await post(client, "/", data=await order_form(client, **{keyboard: "5", mouse: "1"}))

    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/orders/[0-9a-f-]{36}", location)
    page = (await client.get(location)).text
    assert re.search(r"Mechanical keyboard</th>\s*<td[^>]*>5</td>\s*<td[^>]*>3 of 5</td>", page)
    assert "129.00" in page
    assert "387.00" in page  # line total and total
    assert "Wireless mouse (1 requested)" in page
    assert await available(client, keyboard) == 0


async def test_the_same_form_posted_twice_places_one_order(client: Client) -> None:
    keyboard = await product_with_stock(client, "Mechanical keyboard", "129.00", 10)
    form = await order_form(client, **{keyboard: "2"})

    first = await post(client, "/", data=form)
    second = await post(client, "/", data=form)

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await order_count(client) == 1
    assert await available(client, keyboard) == 8


async def test_a_form_sent_many_times_at_once_places_one_order(client: Client) -> None:
    keyboard = await product_with_stock(client, "Mechanical keyboard", "129.00", 10)
    form = await order_form(client, **{keyboard: "2"})

    responses = await asyncio.gather(*(post(client, "/", data=form) for _ in range(5)))

    assert {r.status_code for r in responses} == {303}
    assert len({r.headers["location"] for r in responses}) == 1
    assert await order_count(client) == 1
    assert await available(client, keyboard) == 8


async def test_a_used_form_with_other_quantities_is_refused(client: Client) -> None:
    keyboard = await product_with_stock(client, "Mechanical keyboard", "129.00", 10)
    form = await order_form(client, **{keyboard: "2"})
    assert (await post(client, "/", data=form)).status_code == 303

    response = await post(client, "/", data={**form, f"quantity-{keyboard}": "3"})

    assert response.status_code == 422
    assert "already used for an order with other quantities" in alert(response.text)
    assert entered(response.text, keyboard) == "3"
    assert await order_count(client) == 1


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Nothing selected"),
        ("0", "Nothing selected"),
        ("-1", "Mechanical keyboard: cannot be negative"),
        ("2.5", "Mechanical keyboard: must be a whole number"),
        ("abc", "Mechanical keyboard: must be a whole number"),
        ("1000001", "Mechanical keyboard: can be at most 1000000"),
        ("9" * 5000, "Mechanical keyboard: can be at most 1000000"),
    ],
)
async def test_refusals_come_back_with_the_quantities_kept_and_nothing_ordered(
    client: Client, typed: str, says: str
) -> None:
    keyboard = await product_with_stock(client, "Mechanical keyboard", "129.00", 10)
    mouse = await product_with_stock(client, "Wireless mouse", "49.99", 10)

    response = await post(client, "/", data=await order_form(client, **{keyboard: typed, mouse: ""}))

    assert response.status_code == 422
    assert says in alert(response.text)
    assert entered(response.text, keyboard) == typed
    assert await order_count(client) == 0
    assert await available(client, keyboard) == 10


async def test_only_out_of_stock_products_are_refused(client: Client) -> None:
    mouse = await product_with_stock(client, "Wireless mouse", "49.99", 0)

    response = await post(client, "/", data=await order_form(client, **{mouse: "2"}))

    assert response.status_code == 422
    assert alert(response.text) == "None of the products you chose is in stock, so nothing was ordered."
    assert entered(response.text, mouse) == "2"
    assert await order_count(client) == 0


async def test_a_product_that_no_longer_exists_is_refused(client: Client) -> None:
    keyboard = await product_with_stock(client, "Mechanical keyboard", "129.00", 10)

    response = await post(client, "/", data=await order_form(client, **{keyboard: "1", str(uuid4()): "2"}))

    assert response.status_code == 422
    assert "A product you chose is no longer in the catalog" in alert(response.text)
    assert entered(response.text, keyboard) == "1"
    assert await order_count(client) == 0


FORGED: list[Any] = [
    pytest.param({}, id="empty"),
    pytest.param({"quantity-{p}": "1"}, id="no-key"),
    pytest.param({"key": "x" * 300, "quantity-{p}": "1"}, id="garbled-key"),
    pytest.param({"key": "{k}", "quantity-not-a-product": "1"}, id="garbled-field"),
    pytest.param({"key": "{k}", "quantity-{p}": ["1", "2"]}, id="repeated-field"),
    pytest.param({"key": "{k}", "quantity-{p}": "1", "page": "-9999999999999999999", "q": "\x00"}, id="garbled-page"),
]


@pytest.mark.parametrize("fields", FORGED)
async def test_a_forged_form_gets_the_page_back_with_a_message(client: Client, fields: dict[str, Any]) -> None:
    keyboard = await product_with_stock(client, "Mechanical keyboard", "129.00", 10)
    key = form_key((await client.get("/")).text)
    data = {
        name.format(p=keyboard): value if isinstance(value, list) else value.format(k=key)
        for name, value in fields.items()
    }

    response = await post(client, "/", data=data)

    assert response.status_code in (303, 400), response.text  # the garbled page alone still orders
    if response.status_code == 400:
        assert "damaged or out of date" in alert(response.text)
        assert await order_count(client) == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"key": "x"}', "application/json"),
        (b"\xff\xfe garbage", "application/x-www-form-urlencoded"),
        (
            b'--b\r\nContent-Disposition: form-data; name="key"; filename="k"\r\n\r\nx\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (b"", "text/plain"),
    ],
)
async def test_bodies_that_are_no_form_never_make_a_500(client: Client, content: bytes, content_type: str) -> None:
    response = await post(client, "/", content=content, headers={"Content-Type": content_type})

    assert response.status_code == 400, response.text
    assert "damaged or out of date" in alert(response.text)


@pytest.mark.parametrize(
    "query", ["?page=abc", "?page=-1", "?page=99999999999999999999", "?q=%00", "?q=" + "x" * 5000, "?q=a&q=b"]
)
async def test_any_catalog_address_answers_a_page(client: Client, query: str) -> None:
    response = await client.get(f"/{query}")
    assert response.status_code == 200


async def test_orders_page_lists_newest_first_and_cancel_returns_the_stock(client: Client) -> None:
    keyboard = await product_with_stock(client, "Mechanical keyboard", "129.00", 10)
    first = (await post(client, "/", data=await order_form(client, **{keyboard: "1"}))).headers["location"]
    second = (await post(client, "/", data=await order_form(client, **{keyboard: "2"}))).headers["location"]

    listed = (await client.get("/orders")).text
    assert listed.index(f'href="{second}"') < listed.index(f'href="{first}"')
    assert listed.count(">Cancel</button>") == 2
    assert "258.00" in listed

    cancelled = await post(client, f"{second}/cancel", data={"page": "1"})
    assert cancelled.status_code == 303
    listed = (await client.get(cancelled.headers["location"])).text
    assert listed.count(">Cancel</button>") == 1
    assert "Cancelled" in listed
    assert 'role="status"' in listed
    assert await available(client, keyboard) == 9
    # Cancelling again changes nothing; from the order page it goes back there.
    again = await post(client, f"{second}/cancel", data={"back": "order"})
    assert (again.status_code, again.headers["location"]) == (303, second)
    assert await available(client, keyboard) == 9


@pytest.mark.parametrize("path", ["/orders/not-an-id", "/orders/00000000-0000-4000-8000-000000000000"])
async def test_unknown_orders_get_a_not_found_page(client: Client, path: str) -> None:
    for response in (await client.get(path), await post(client, f"{path}/cancel")):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Not found" in response.text


async def test_static_files_are_served_by_the_app(client: Client) -> None:
    html = (await client.get("/")).text
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        assert (await client.get(asset)).status_code == 200
    assert "://" not in html  # no CDN, no external fonts: everything comes from the app
