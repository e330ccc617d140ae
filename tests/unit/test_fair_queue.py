"""FairQueueMiddleware: a bounded number of requests at once, the rest admitted in arrival order."""

import asyncio
from typing import Any

from shared_kernel.api.middleware import FairQueueMiddleware


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

    gate = FairQueueMiddleware(app, slots=asyncio.Semaphore(2))
    calls = []
    for n in range(6):
        calls.append(asyncio.create_task(gate({"type": "http", "n": n}, None, None)))  # type: ignore[arg-type]
        await asyncio.sleep(0)  # arrival order = creation order

    await asyncio.sleep(0.01)
    assert admitted == [0, 1]
    release.set()
    await asyncio.gather(*calls)
    assert admitted == [0, 1, 2, 3, 4, 5]
    assert peak == 2
