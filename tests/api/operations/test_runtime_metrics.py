"""The runtime gauges in one process (no PROMETHEUS_MULTIPROC_DIR, as `make run`): sampled while the app runs."""

import asyncio
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from shared_kernel.infrastructure.settings import Settings

Client = AsyncTestClient[Litestar]


def value(metrics: str, name: str) -> float | None:
    match = re.search(rf"^{name} (\S+)$", metrics, re.MULTILINE)
    return float(match[1]) if match else None


async def test_readiness_pool_and_process_are_sampled(client: Client, settings: Settings) -> None:
    # Another test's app, with no database, may have set app_ready to 0 in this process a moment ago.
    for _ in range(60):
        metrics = (await client.get("/metrics")).text
        if value(metrics, "app_ready") == 1:
            break
        await asyncio.sleep(0.2)
    assert value(metrics, "app_ready") == 1
    assert value(metrics, "db_pool_connections_max") == settings.db_pool_size + settings.db_max_overflow
    assert value(metrics, "db_pool_connections_in_use") is not None
    assert value(metrics, "db_pool_connections_idle") is not None
    assert (value(metrics, "worker_resident_memory_bytes") or 0) > 20e6
    assert (value(metrics, "worker_open_fds") or 0) > 3
    assert (value(metrics, "worker_cpu_seconds_total") or 0) > 0
