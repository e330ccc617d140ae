"""The storefront's use cases against fakes of the catalog, inventory and ordering facades."""

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from modules.catalog.facade import ProductInfo
from modules.ordering.facade import CANCELLED, IdempotencyKeyReused, NothingInStock
from modules.storefront.application.use_cases import (
    KEY_PREFIX,
    CancelOrderFromPage,
    Placed,
    PlaceOrderFromForm,
    Refused,
    ShowCatalog,
    ShowOrder,
    ShowOrders,
)
from modules.storefront.domain.order_form import KEY_FIELD, quantity_field
from modules.storefront.domain.paging import PAGE_SIZE
from shared_kernel.domain.errors import InvalidInput, UnknownReferences
from tests.fakes import FakeCatalog
from tests.unit.storefront.fakes import FakeInventory, FakeOrdering

KEYBOARD = ProductInfo(uuid4(), "Mechanical keyboard", Decimal("129.00"))
MOUSE = ProductInfo(uuid4(), "Wireless mouse", Decimal("49.99"))


class Shop:
    def __init__(self, stock: dict[UUID, int]) -> None:
        self.catalog = FakeCatalog(KEYBOARD, MOUSE)
        self.inventory = FakeInventory(stock)
        self.ordering = FakeOrdering(self.catalog.products, stock)
        self.place = PlaceOrderFromForm(self.catalog, self.ordering)


def form(key: str | None = None, **quantities: str) -> list[tuple[str, object]]:
    by_name = {"keyboard": KEYBOARD.id, "mouse": MOUSE.id}
    fields: list[tuple[str, object]] = [(KEY_FIELD, key or str(uuid4()))]
    return fields + [(quantity_field(by_name[n]), q) for n, q in quantities.items()]


async def test_the_catalog_shows_each_product_with_what_is_available() -> None:
    shop = Shop({KEYBOARD.id: 3})

    page = await ShowCatalog(shop.catalog, shop.inventory)()

    assert [(row.name, row.price, row.available) for row in page.products] == [
        ("Wireless mouse", Decimal("49.99"), 0),
        ("Mechanical keyboard", Decimal("129.00"), 3),
    ]
    assert page.message is None
    assert UUID(page.form_key)


async def test_every_rendering_gets_its_own_form_key() -> None:
    shop = Shop({})
    show = ShowCatalog(shop.catalog, shop.inventory)
    assert (await show()).form_key != (await show()).form_key


async def test_a_refused_form_comes_back_with_what_was_typed_and_why() -> None:
    shop = Shop({})

    page = await ShowCatalog(shop.catalog, shop.inventory)(entered={MOUSE.id: "abc"}, message="Nothing selected")

    assert [row.entered for row in page.products] == ["abc", ""]
    assert page.message == "Nothing selected"


async def test_a_page_past_the_end_shows_the_last_page_and_search_narrows_the_list() -> None:
    catalog = FakeCatalog(*(ProductInfo(uuid4(), f"Lamp {i}", Decimal(1)) for i in range(PAGE_SIZE + 3)))
    show = ShowCatalog(catalog, FakeInventory())

    last = await show(page=99)
    found = await show(search="  lamp 2\x00", page=1)

    assert (last.pagination.number, last.pagination.count, len(last.products)) == (2, 2, 3)
    assert {row.name for row in found.products} == {"Lamp 2", *(f"Lamp {i}" for i in range(20, PAGE_SIZE + 3))}
    assert found.search == "lamp 2"


async def test_a_form_becomes_an_order_under_its_key() -> None:
    shop = Shop({KEYBOARD.id: 3})
    key = str(uuid4())

    result = await shop.place(form(key, keyboard="5", mouse="1"))

    assert isinstance(result, Placed)
    assert shop.ordering.placements == [({KEYBOARD.id: 5, MOUSE.id: 1}, KEY_PREFIX + key)]
    order = shop.ordering.orders[result.order_id]
    assert [(line.quantity, line.requested_quantity) for line in order.items] == [(3, 5)]


async def test_nothing_selected_is_refused_without_asking_ordering() -> None:
    shop = Shop({KEYBOARD.id: 3})

    result = await shop.place(form(keyboard="", mouse="0"))

    assert result == Refused(
        "Nothing selected: enter a quantity for at least one product.", {KEYBOARD.id: "", MOUSE.id: "0"}
    )
    assert shop.ordering.placements == []


async def test_a_bad_quantity_is_refused_naming_the_product() -> None:
    shop = Shop({KEYBOARD.id: 3})

    result = await shop.place(form(keyboard="2", mouse="-4"))

    assert isinstance(result, Refused)
    assert "Wireless mouse: cannot be negative" in result.message
    assert result.entered == {KEYBOARD.id: "2", MOUSE.id: "-4"}
    assert shop.ordering.placements == []


async def test_a_damaged_form_is_refused_as_such() -> None:
    shop = Shop({})

    result = await shop.place([(KEY_FIELD, "forged"), (quantity_field(MOUSE.id), "1")])

    assert isinstance(result, Refused)
    assert result.damaged
    assert "damaged" in result.message
    assert shop.ordering.placements == []


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (NothingInStock("none"), "None of the products you chose is in stock"),
        (IdempotencyKeyReused("used"), "already used for an order with other quantities"),
        (InvalidInput("an order has at most 100 products"), "An order has at most 100 products. Nothing was ordered."),
    ],
)
async def test_ordering_refusals_are_said_plainly_and_keep_the_quantities(error: Exception, says: str) -> None:
    shop = Shop({})
    shop.ordering.error = error

    result = await shop.place(form(mouse="2"))

    assert isinstance(result, Refused)
    assert says in result.message
    assert result.entered == {MOUSE.id: "2"}
    assert not result.damaged


async def test_a_product_gone_from_the_catalog_is_refused_and_dropped_from_the_form() -> None:
    shop = Shop({})
    shop.ordering.error = UnknownReferences("unknown", references=[str(MOUSE.id)])

    result = await shop.place(form(keyboard="1", mouse="2"))

    assert result == Refused(
        "A product you chose is no longer in the catalog, so nothing was ordered. "
        "Please check the quantities and place the order again.",
        {KEYBOARD.id: "1"},
    )


async def test_an_order_page_names_the_products_that_were_out_of_stock() -> None:
    shop = Shop({KEYBOARD.id: 3})
    placed = await shop.place(form(keyboard="5", mouse="1"))
    assert isinstance(placed, Placed)

    page = await ShowOrder(shop.catalog, shop.ordering)(placed.order_id)

    assert page.order.id == placed.order_id
    assert [(m.name, m.requested_quantity) for m in page.out_of_stock] == [("Wireless mouse", 1)]


async def test_orders_are_listed_newest_first_and_cancelling_goes_through_ordering() -> None:
    shop = Shop({KEYBOARD.id: 10})
    first, second = [await shop.place(form(keyboard="1")) for _ in range(2)]
    assert isinstance(first, Placed)
    assert isinstance(second, Placed)

    await CancelOrderFromPage(shop.ordering)(first.order_id)
    page = await ShowOrders(shop.ordering)()

    assert [o.id for o in page.orders] == [second.order_id, first.order_id]
    assert page.orders[1].status == CANCELLED
