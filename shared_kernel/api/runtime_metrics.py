"""Every few seconds, each worker samples its readiness, its connection pool and its process into gauges.

A plugin, so that the sampling lives exactly as long as the app: it starts after the SQLAlchemy plugin has
put the engine in the app state and stops (finishing the sample under way) before the engine is disposed.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol
from sqlalchemy.ext.asyncio import AsyncEngine

from shared_kernel.api.health import database_problem
from shared_kernel.infrastructure.logging import get_logger
from shared_kernel.infrastructure.metrics import (
    APP_REPLICAS_CONFIGURED,
    RuntimeSampler,
    forget_dead_workers,
    forget_this_worker,
)

SAMPLE_INTERVAL_SECONDS = 5.0
ENGINE_STATE_KEY = "db_engine"  # where advanced-alchemy's plugin keeps the engine (its default)

_log = get_logger("shared_kernel.runtime_metrics")


class RuntimeMetricsPlugin(InitPluginProtocol):
    """List it after the SQLAlchemy plugin: lifespans are entered in order and left in reverse."""

    def __init__(
        self,
        readiness_engine: AsyncEngine,
        interval_seconds: float = SAMPLE_INTERVAL_SECONDS,
        replicas_configured: int = 1,
    ) -> None:
        self.readiness_engine = readiness_engine
        self.interval_seconds = interval_seconds
        self.replicas_configured = replicas_configured

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.lifespan.append(self._sampling)
        return app_config

    @contextlib.asynccontextmanager
    async def _sampling(self, app: Litestar) -> AsyncIterator[None]:
        forget_dead_workers()
        APP_REPLICAS_CONFIGURED.set(self.replicas_configured)
        stop = asyncio.Event()
        task = asyncio.create_task(self._sample_until(stop, app))
        try:
            yield
        finally:
            stop.set()
            await task
            forget_this_worker()

    async def _sample_until(self, stop: asyncio.Event, app: Litestar) -> None:
        sampler = RuntimeSampler()
        while not stop.is_set():
            try:
                sampler.sample_process()
                engine: AsyncEngine | None = app.state.get(ENGINE_STATE_KEY)
                if engine is None:
                    sampler.record_readiness(ready=False)
                else:
                    sampler.sample_pool(engine.sync_engine.pool)
                    sampler.record_readiness(ready=await database_problem(self.readiness_engine) is None)
            except Exception:  # a metric must never take the worker down
                _log.exception("runtime_metrics_sample_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval_seconds)
