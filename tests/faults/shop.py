"""What the fault tests do to the service: set up a shop over HTTP, drive order traffic, check the stock."""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import asyncpg
import httpx

from tests.factories import product_body

ORDERS = "/api/ordering/orders"
STOCK_PER_PRODUCT = 1_000_000  # never runs out: a 409 would hide what a test looks at
PROBLEM_JSON = "application/problem+json"


@dataclass
class Shop:
    base_url: str
    products: list[str]


def open_shop(base_url: str, products: int = 4) -> Shop:
    """New products with STOCK_PER_PRODUCT units each in a new warehouse."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        warehouse = _created(http.post("/api/inventory/warehouses", json={"name": f"Faults {uuid4().hex}"}))["id"]
        ids = [_created(http.post("/api/catalog/products", json=product_body()))["id"] for _ in range(products)]
        for product in ids:
            put = http.put(
                f"/api/inventory/warehouses/{warehouse}/stock/{product}", json={"quantity": STOCK_PER_PRODUCT}
            )
            assert put.status_code == 200, put.text
    return Shop(base_url, ids)


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def order_body(*products: str, quantity: int = 1) -> dict[str, Any]:
    return {"items": [{"product_id": p, "quantity": quantity} for p in products]}


@dataclass(frozen=True)
class Answer:
    status: int
    seconds: float
    content_type: str
    retry_after: str | None
    started: float  # time.monotonic() when sent


def timed(http: httpx.Client, method: str, path: str, **kwargs: Any) -> Answer:
    started = time.monotonic()
    response = http.request(method, path, **kwargs)
    return Answer(
        status=response.status_code,
        seconds=time.monotonic() - started,
        content_type=response.headers.get("content-type", ""),
        retry_after=response.headers.get("retry-after"),
        started=started,
    )


@dataclass
class Traffic:
    answers: list[Answer] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # transport errors: no answer at all

    def since(self, moment: float) -> list[Answer]:
        return [a for a in self.answers if a.started >= moment]


@contextmanager
def order_traffic(shop: Shop, clients: int = 6, pause: float = 0.02) -> Iterator[Traffic]:
    """`clients` threads placing one-unit orders in a loop until the block ends (each request may take up
    to 60 s: the service's own bounds are what the tests measure)."""
    traffic = Traffic()
    stop = threading.Event()
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(base_url=shop.base_url, timeout=60) as http:
            while not stop.is_set():
                product = shop.products[n % len(shop.products)]
                try:
                    answer = timed(http, "POST", ORDERS, json=order_body(product))
                except httpx.HTTPError as exc:
                    with lock:
                        traffic.errors.append(repr(exc))
                    continue
                with lock:
                    traffic.answers.append(answer)
                stop.wait(pause)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield traffic
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=90)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until `condition()` held; fails the test after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.1)
    return time.monotonic() - started


def places_orders(shop: Shop) -> bool:
    with httpx.Client(base_url=shop.base_url, timeout=30) as http:
        return http.post(ORDERS, json=order_body(shop.products[0])).status_code == 201


def assert_unavailable(answer: Answer) -> None:
    """The honest answer to a database outage: 503 problem+json, retryable."""
    assert answer.status == 503, answer
    assert answer.content_type.startswith(PROBLEM_JSON), answer
    assert answer.retry_after is not None, answer
    assert int(answer.retry_after) > 0, answer


def assert_placed_or_unavailable(traffic: Traffic, within: float) -> None:
    """Every order of the traffic was answered within `within` seconds: placed, or honestly refused."""
    assert not traffic.errors
    assert {a.status for a in traffic.answers} <= {201, 503}
    for answer in traffic.answers:
        if answer.status == 503:
            assert_unavailable(answer)
        assert answer.seconds < within, answer


async def _stock_problems(dsn: str) -> list[str]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(STOCK_INVARIANTS, STOCK_PER_PRODUCT)
    finally:
        await connection.close()
    return [f"{r['problem']}: {r['detail']}" for r in rows]


def assert_stock_consistent(dsn: str) -> None:
    """No oversell and nothing lost: every product's stock plus what placed orders hold is what was stocked,
    each placed order holds exactly its lines, and no order failed half-way (reservations without an order)."""
    problems = asyncio.run(_stock_problems(dsn))
    assert not problems, "\n".join(problems)


# Each row is a broken invariant. Every fault test stocks STOCK_PER_PRODUCT units once per product.
STOCK_INVARIANTS = """
WITH held AS (
    SELECT product_id, sum(quantity) AS quantity FROM inventory.allocations WHERE released_at IS NULL GROUP BY 1
), on_hand AS (
    SELECT product_id, sum(quantity) AS quantity FROM inventory.stock GROUP BY 1
)
SELECT 'stock + held != stocked' AS problem, o.product_id::text || ': ' || o.quantity || ' + '
       || coalesce(h.quantity, 0) AS detail
FROM on_hand o LEFT JOIN held h USING (product_id)
WHERE o.quantity + coalesce(h.quantity, 0) != $1 OR o.quantity < 0
UNION ALL
SELECT 'placed order lines != its allocations', l.order_id::text
FROM ordering.orders ord
JOIN ordering.order_lines l ON l.order_id = ord.id
LEFT JOIN (
    SELECT order_ref, product_id, sum(quantity) AS quantity FROM inventory.allocations
    WHERE released_at IS NULL GROUP BY 1, 2
) a ON a.order_ref = l.order_id AND a.product_id = l.product_id
WHERE ord.status = 'placed' AND l.quantity != coalesce(a.quantity, 0)
UNION ALL
SELECT 'allocation without an order', a.order_ref::text
FROM inventory.allocations a LEFT JOIN ordering.orders ord ON ord.id = a.order_ref
WHERE ord.id IS NULL OR (ord.status = 'cancelled' AND a.released_at IS NULL)
"""
