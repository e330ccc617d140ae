"""Run coroutines at once; if one fails, cancel the rest, so no transaction outlives its test."""

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any


async def all_at_once[T](calls: Iterable[Coroutine[Any, Any, T]], *, limit: int | None = None) -> list[T]:
    """Like asyncio.gather, but a failure cancels the siblings instead of leaving them running."""
    gate = asyncio.Semaphore(limit) if limit else None

    async def run(call: Coroutine[Any, Any, T]) -> T:
        if gate is None:
            return await call
        async with gate:
            return await call

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(run(call)) for call in calls]
    return [task.result() for task in tasks]
