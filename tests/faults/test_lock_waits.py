"""A long transaction holds one hot product's stock rows: only that product's orders wait, and not for long.

Bounds (shared_kernel/README.md): an order that waits for a row lock is answered 503 problem+json with
Retry-After after at most twice DB_LOCK_TIMEOUT_MS (1 s): PostgreSQL bounds each lock attempt, and a waiter
queued behind another waiter first waits for that one's place, then for the holder. That stays below the
statement timeout (4 s). Other products' orders, catalog reads and readiness are answered meanwhile, and
readiness does not wait for the pool.
"""

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from tests.faults.conftest import FaultRig
from tests.faults.shop import (
    ORDERS,
    Answer,
    assert_stock_consistent,
    assert_unavailable,
    open_shop,
    order_body,
    timed,
)

# One shared throwaway cluster and server: these tests run one after the other, on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("faults")]

LOCK_ANSWER_SECONDS = 2 * 1.0 + 1.5  # two lock attempts + slack for a loaded machine
READINESS_SECONDS = 2.0 + 1.0
HOLD_SECONDS = 6.0


@asynccontextmanager
async def rows_locked(dsn: str, product: str) -> AsyncIterator[None]:
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            await connection.execute("SELECT 1 FROM inventory.stock WHERE product_id = $1 FOR UPDATE", product)
            yield
    finally:
        await connection.close()


def _clients(url: str, count: int, request: Callable[[httpx.Client], Answer], until: float) -> list[Answer]:
    answers: list[Answer] = []
    lock = threading.Lock()

    def loop() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            while time.monotonic() < until:
                answer = request(http)
                with lock:
                    answers.append(answer)

    threads = [threading.Thread(target=loop) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_a_locked_hot_product_waits_bounded_and_blocks_nothing_else(rig: FaultRig) -> None:
    hot, *others = open_shop(rig.url).products
    results: dict[str, list[Answer]] = {}

    async def scenario() -> None:
        async with rows_locked(rig.dsn, hot):
            until = time.monotonic() + HOLD_SECONDS

            def run(name: str, count: int, request: Callable[[httpx.Client], Answer]) -> asyncio.Future[None]:
                async def collect() -> None:
                    results[name] = await asyncio.to_thread(_clients, rig.url, count, request, until)

                return asyncio.ensure_future(collect())

            await asyncio.gather(
                run("hot", 2, lambda http: timed(http, "POST", ORDERS, json=order_body(hot))),
                run("other", 2, lambda http: timed(http, "POST", ORDERS, json=order_body(*others))),
                run("reads", 1, lambda http: timed(http, "GET", "/api/catalog/products")),
                run("ready", 1, lambda http: timed(http, "GET", "/health/ready")),
            )

    asyncio.run(scenario())
    assert results["hot"]
    for answer in results["hot"]:
        assert_unavailable(answer)
        assert answer.seconds < LOCK_ANSWER_SECONDS, answer
    # The other products and reads flowed all along: never refused, never waiting for the hot product's lock.
    assert len(results["other"]) >= 4
    assert len(results["reads"]) >= 2
    for answer in results["other"] + results["reads"]:
        assert answer.status in (200, 201), answer
        assert answer.seconds < 1.0, answer  # less than one lock timeout: they never waited for the lock
    assert results["ready"]
    assert all(a.status == 200 and a.seconds < READINESS_SECONDS for a in results["ready"])
    assert places_orders_of(rig, hot)
    assert_stock_consistent(rig.dsn)


def test_readiness_never_waits_for_a_pool_connection(rig: FaultRig) -> None:
    """Every pooled connection of both workers waits for the lock; readiness still answers at once."""
    hot = open_shop(rig.url, products=1).products[0]
    answers: list[Answer] = []

    async def scenario() -> None:
        async with rows_locked(rig.dsn, hot):
            until = time.monotonic() + 4.0
            saturating = asyncio.ensure_future(
                asyncio.to_thread(
                    _clients, rig.url, 12, lambda http: timed(http, "POST", ORDERS, json=order_body(hot)), until
                )
            )
            with httpx.Client(base_url=rig.url, timeout=30) as http:
                while time.monotonic() < until:
                    answers.append(await asyncio.to_thread(timed, http, "GET", "/health/ready"))
            await saturating

    asyncio.run(scenario())
    assert answers
    assert all(a.status == 200 and a.seconds < READINESS_SECONDS for a in answers), answers
    assert_stock_consistent(rig.dsn)


def places_orders_of(rig: FaultRig, product: str) -> bool:
    with httpx.Client(base_url=rig.url, timeout=30) as http:
        return http.post(ORDERS, json=order_body(product)).status_code == 201
