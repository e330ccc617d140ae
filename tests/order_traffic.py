"""A little order traffic against a running service that moves every business metric (tests of the monitoring)."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx

from tests.factories import product_body

ORDERS = "/api/ordering/orders"


@dataclass
class OrderTraffic:
    """What the traffic did, as the business metrics should count it."""

    placed: int = 0
    cancelled: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    lines: int = 0
    lines_cut_short: int = 0
    lines_out_of_stock: int = 0
    value: Decimal = Decimal(0)

    def count_placed(self, order: dict[str, Any]) -> None:
        self.placed += 1
        self.lines += len(order["items"])
        self.lines_cut_short += sum(1 for i in order["items"] if i["quantity"] < i["requested_quantity"])
        self.lines_out_of_stock += len(order["out_of_stock"])
        self.value += Decimal(order["total"])

    def count_refused(self, reason: str) -> None:
        self.refused[reason] = self.refused.get(reason, 0) + 1


def _items(*lines: tuple[str, int]) -> dict[str, Any]:
    return {"items": [{"product_id": product, "quantity": quantity} for product, quantity in lines]}


def place_cancel_and_refuse_orders(base_url: str) -> OrderTraffic:
    """Three placed orders (one cut short with a line out of stock, then cancelled), three refused (out of stock,
    unknown product, idempotency conflict), each answered as the API contract says."""
    traffic = OrderTraffic()
    with httpx.Client(base_url=base_url, timeout=10) as http:

        def created(response: httpx.Response) -> dict[str, Any]:
            assert response.status_code == 201, response.text
            body: dict[str, Any] = response.json()
            return body

        keyboard = created(http.post("/api/catalog/products", json=product_body(price="129.00")))["id"]
        mouse = created(http.post("/api/catalog/products", json=product_body(price="49.99")))["id"]
        warehouse = created(http.post("/api/inventory/warehouses", json={"name": f"Monitoring {uuid4().hex}"}))["id"]
        stock = http.put(f"/api/inventory/warehouses/{warehouse}/stock/{keyboard}", json={"quantity": 3})
        assert stock.status_code == 200, stock.text

        partial = created(http.post(ORDERS, json=_items((keyboard, 5), (mouse, 1))))  # 3 of 5; no mouse
        traffic.count_placed(partial)
        cancel = http.post(f"{ORDERS}/{partial['id']}/cancel")
        assert cancel.status_code == 200, cancel.text
        traffic.cancelled += 1

        traffic.count_placed(created(http.post(ORDERS, json=_items((keyboard, 1)))))

        assert http.post(ORDERS, json=_items((mouse, 2))).status_code == 409
        traffic.count_refused("out_of_stock")
        assert http.post(ORDERS, json=_items((str(uuid4()), 1))).status_code == 422
        traffic.count_refused("unknown_products")

        key = {"Idempotency-Key": f"monitoring-{uuid4().hex}"}
        traffic.count_placed(created(http.post(ORDERS, json=_items((keyboard, 1)), headers=key)))
        assert http.post(ORDERS, json=_items((keyboard, 2)), headers=key).status_code == 409
        traffic.count_refused("idempotency_conflict")

        assert http.get(f"/api/catalog/products/{keyboard}").status_code == 200
        assert http.get(ORDERS).status_code == 200
    assert (traffic.placed, traffic.lines_cut_short, traffic.lines_out_of_stock) == (3, 1, 1)
    return traffic
