"""A person using the storefront in a real browser: choose, place, see, cancel; with and without JavaScript."""

import re
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.browser.conftest import OpenPage
from tests.shop import product_with_stock

ORDER_PAGE = re.compile(r".*/orders/[0-9a-f-]{36}$")


async def scalar(engine: AsyncEngine, sql: str, **params: object) -> object:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar_one()


async def orders_in_database(engine: AsyncEngine) -> object:
    return await scalar(engine, "SELECT count(*) FROM ordering.orders")


async def stock_in_database(engine: AsyncEngine, product: str) -> object:
    return await scalar(engine, "SELECT sum(quantity) FROM inventory.stock WHERE product_id = :p", p=UUID(product))


async def place(page: Page, **quantities: str) -> None:
    """Type quantities (by product name) and press the button."""
    for name, quantity in quantities.items():
        await page.get_by_label(f"Quantity of {name}").fill(quantity)
    await page.get_by_role("button", name="Place order").click()


async def test_a_partial_fill_and_an_out_of_stock_product(
    open_page: OpenPage, api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    keyboard = await product_with_stock(api, "Mechanical keyboard", "129.00", 2, 1)
    await product_with_stock(api, "Wireless mouse", "49.99")
    page = await open_page("/")
    await expect(page.locator(".product", has_text="Mechanical keyboard")).to_contain_text("Available3")

    await place(page, **{"Mechanical keyboard": "5", "Wireless mouse": "1"})

    await expect(page).to_have_url(ORDER_PAGE)
    row = page.get_by_role("row", name=re.compile("Mechanical keyboard"))
    await expect(row.get_by_role("cell")).to_have_text(["5", "3 of 5", "129.00", "387.00"])
    await expect(page.locator(".out-of-stock")).to_have_text("Wireless mouse (1 requested)")
    await expect(page.locator("tfoot")).to_have_text(re.compile(r"Total\s*387\.00"))
    order_id = UUID(page.url.rsplit("/", 1)[1])
    assert (
        await scalar(
            engine,
            "SELECT requested_quantity * 10 + quantity FROM ordering.order_lines WHERE order_id = :o",
            o=order_id,
        )
        == 53
    )
    assert await scalar(engine, "SELECT count(*) FROM ordering.order_out_of_stock WHERE order_id = :o", o=order_id) == 1
    assert await scalar(engine, "SELECT total FROM ordering.orders WHERE id = :o", o=order_id) == 387
    assert await stock_in_database(engine, keyboard) == 0
    # Refreshing the result page shows the order again, and orders nothing more.
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Order of")
    assert await orders_in_database(engine) == 1


async def test_nothing_selected_is_refused(open_page: OpenPage, api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await product_with_stock(api, "Mechanical keyboard", "129.00", 3)
    page = await open_page("/")

    await place(page)

    await expect(page.get_by_role("alert")).to_have_text("Nothing selected: enter a quantity for at least one product.")
    assert await orders_in_database(engine) == 0


async def test_only_out_of_stock_products_are_refused_keeping_the_quantities(
    open_page: OpenPage, api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await product_with_stock(api, "Wireless mouse", "49.99", 0)
    await product_with_stock(api, "Desk lamp", "39.00")
    page = await open_page("/")

    await place(page, **{"Wireless mouse": "2", "Desk lamp": "1"})

    await expect(page.get_by_role("alert")).to_have_text(
        "None of the products you chose is in stock, so nothing was ordered."
    )
    await expect(page.get_by_label("Quantity of Wireless mouse")).to_have_value("2")
    await expect(page.get_by_label("Quantity of Desk lamp")).to_have_value("1")
    assert await orders_in_database(engine) == 0


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
async def test_a_double_click_makes_exactly_one_order(
    open_page: OpenPage, api: httpx.AsyncClient, engine: AsyncEngine, javascript: bool
) -> None:
    keyboard = await product_with_stock(api, "Mechanical keyboard", "129.00", 10)
    page = await open_page("/", javascript=javascript)
    await page.get_by_label("Quantity of Mechanical keyboard").fill("2")
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.method) if request.method == "POST" else None)

    await page.get_by_role("button", name="Place order").dblclick()

    await expect(page).to_have_url(ORDER_PAGE)
    # Whether the browser sent the form once or twice, the form's key names one order
    # (tests/api/storefront proves a form sent many times at once makes one order).
    assert await orders_in_database(engine) == 1
    assert await stock_in_database(engine, keyboard) == 8
    if javascript:
        assert posts == ["POST"]  # the script sent the form once


async def test_everything_works_with_javascript_disabled(
    open_page: OpenPage, api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    keyboard = await product_with_stock(api, "Mechanical keyboard", "129.00", 4)
    page = await open_page("/", javascript=False)

    await place(page, **{"Mechanical keyboard": "3"})
    await expect(page).to_have_url(ORDER_PAGE)
    await expect(page.get_by_role("row", name=re.compile("Mechanical keyboard"))).to_contain_text("387.00")
    await page.get_by_role("button", name="Cancel order").click()

    await expect(page.locator(".status")).to_have_text("Status: Cancelled")
    assert await stock_in_database(engine, keyboard) == 4


async def test_cancel_from_the_orders_page_puts_the_stock_back(
    open_page: OpenPage, api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    keyboard = await product_with_stock(api, "Mechanical keyboard", "129.00", 2, 1)
    page = await open_page("/")
    await place(page, **{"Mechanical keyboard": "2"})
    await expect(page).to_have_url(ORDER_PAGE)
    assert await stock_in_database(engine, keyboard) == 1

    await page.get_by_role("link", name="Orders", exact=True).click()
    row = page.get_by_role("row").filter(has_text="258.00")
    await expect(row).to_contain_text("Placed")
    await row.get_by_role("button", name="Cancel").click()

    await expect(page.get_by_role("status")).to_contain_text("cancelled")
    await expect(row).to_contain_text("Cancelled")
    await expect(row.get_by_role("button")).to_have_count(0)
    assert await stock_in_database(engine, keyboard) == 3
    assert await scalar(engine, "SELECT status FROM ordering.orders") == "cancelled"


async def test_keyboard_only(open_page: OpenPage, api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await product_with_stock(api, "Mechanical keyboard", "129.00", 5)
    await product_with_stock(api, "Wireless mouse", "49.99", 5)
    page = await open_page("/")

    # Tab from the top of the page to the mouse's quantity, type, then Enter submits the form.
    for _ in range(20):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.labels?.[0]?.textContent") == "Quantity of Wireless mouse":
            break
    else:
        pytest.fail("Tab never reached the quantity of Wireless mouse")
    await page.keyboard.type("2")
    await page.keyboard.press("Enter")

    await expect(page).to_have_url(ORDER_PAGE)
    await expect(page.get_by_role("row", name=re.compile("Wireless mouse"))).to_contain_text("99.98")
    assert await orders_in_database(engine) == 1


async def test_readable_at_phone_width_with_every_input_labelled(open_page: OpenPage, api: httpx.AsyncClient) -> None:
    await product_with_stock(api, "Noise-cancelling headphones with a rather long name", "279.00", 5)
    await product_with_stock(api, "Webcam", "69.90", 0)
    page = await open_page("/", width=360)
    await place(page, **{"Webcam": "1", "Noise-cancelling headphones with a rather long name": "9"})
    await expect(page).to_have_url(ORDER_PAGE)

    for path in ("/", "/orders", page.url):
        await page.goto(path)
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        unlabelled = await page.evaluate(
            """[...document.querySelectorAll("input:not([type=hidden])")]
                .filter((input) => !input.labels.length && !input.getAttribute("aria-label")).length"""
        )
        assert unlabelled == 0, path


async def test_screenshot_of_the_catalog(open_page: OpenPage, api: httpx.AsyncClient, screenshot_dir: Path) -> None:
    """The README's pictures: the catalog page with quantities typed in, and the order it makes."""
    for name, description, price, stock in [
        ("Desk lamp", "LED, adjustable colour temperature", "39.00", (0,)),
        ("Webcam", "1080p, privacy shutter", "69.90", (4, 2)),
        ("Wireless mouse", "Ergonomic, 2.4 GHz and Bluetooth", "49.99", (0,)),
        ("Mechanical keyboard", "Tenkeyless, brown switches", "129.00", (2, 1)),
        ("27-inch monitor", "2560x1440, IPS, 144 Hz", "329.50", (7,)),
        ("Laptop 14", "Lightweight laptop, 16 GB RAM, 512 GB SSD", "1499.90", (3, 5)),
    ]:
        await product_with_stock(api, name, price, *stock, description=description)
    page = await open_page("/", width=1000)
    await page.get_by_label("Quantity of Mechanical keyboard").fill("5")
    await page.get_by_label("Quantity of Wireless mouse").fill("1")
    await page.get_by_label("Quantity of Wireless mouse").blur()

    folder = screenshot_dir
    await page.screenshot(path=folder / "storefront.png", full_page=True)
    await place(page)
    await expect(page).to_have_url(ORDER_PAGE)
    await page.screenshot(path=folder / "storefront-order.png", full_page=True)
    await expect(page.get_by_role("cell", name="3 of 5")).to_be_visible()
