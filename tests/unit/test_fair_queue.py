"""FairQueueMiddleware: a bounded number of requests at once, the rest admitted in arrival order."""

import asyncio
from typing import Any

from shared_kernel.api.middleware import FairQueueMiddleware


async def _empty_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def test_admits_at_most_the_slots_and_then_in_arrival_order() -> None:
    inside, peak, admitted = 0, 0, []
    release = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal inside, peak
        inside += 1
        peak = max(peak, inside)
        admitted.append(scope["n"])
        await release.wait()
        inside -= 1

    gate = FairQueueMiddleware(app, slots=asyncio.Semaphore(2), body_timeout_seconds=5, queue_timeout_seconds=5)
    calls = []
    for n in range(6):
        calls.append(asyncio.create_task(gate({"type": "http", "n": n}, _empty_body, None)))  # type: ignore[arg-type]
        await asyncio.sleep(0)  # arrival order = creation order

    await asyncio.sleep(0.01)
    assert admitted == [0, 1]
    release.set()
    await asyncio.gather(*calls)
    assert admitted == [0, 1, 2, 3, 4, 5]
    assert peak == 2


async def test_a_stalled_body_holds_no_slot_and_is_answered_408() -> None:
    admitted = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        admitted.append((scope["n"], (await receive())["body"]))

    reading = asyncio.Event()

    async def stalled() -> dict[str, Any]:
        reading.set()
        await asyncio.Event().wait()  # headers came, the body never does
        return {}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    gate = FairQueueMiddleware(app, slots=asyncio.Semaphore(1), body_timeout_seconds=0.2, queue_timeout_seconds=5)
    stalling = asyncio.create_task(gate({"type": "http", "n": 0}, stalled, send))  # type: ignore[arg-type]
    await reading.wait()  # the stalled request came first
    await gate({"type": "http", "n": 1}, _empty_body, None)  # type: ignore[arg-type]
    assert admitted == [(1, b"")]  # admitted while the stalled request still waits for its body
    await stalling
    assert admitted == [(1, b"")]
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [408]


async def test_a_request_that_waits_past_the_queue_bound_is_answered_503() -> None:
    inside = asyncio.Event()

    async def stuck(scope: Any, receive: Any, send: Any) -> None:
        inside.set()
        await asyncio.Event().wait()  # a handler hung in the database

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    gate = FairQueueMiddleware(stuck, slots=asyncio.Semaphore(1), body_timeout_seconds=5, queue_timeout_seconds=0.2)
    holder = asyncio.create_task(gate({"type": "http"}, _empty_body, send))  # type: ignore[arg-type]
    await inside.wait()  # it holds the only slot
    await gate({"type": "http"}, _empty_body, send)  # type: ignore[arg-type]
    holder.cancel()
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 503
    assert (b"retry-after", b"2") in start["headers"]
