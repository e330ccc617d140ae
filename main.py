"""Composition root: builds the Litestar app from settings and assembles the modules.

Serve with `python serve.py` (production: uvicorn's workers, with the server's options in one place) or
`uvicorn main:create_app --factory --reload` (development); settings come from ENV_FILE (default `.env`)
and the environment. `python main.py ensure-database|seed` are the
operational commands the Makefile runs.
"""

import argparse
import asyncio
import sys

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar, Router
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from prometheus_client import disable_created_metrics
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from modules.registry import MODULES
from shared_kernel.api.health import HealthController
from shared_kernel.api.metrics import metrics
from shared_kernel.api.middleware import (
    FairQueueMiddleware,
    HttpMetricsMiddleware,
    RequestIdMiddleware,
    add_request_id_header,
)
from shared_kernel.api.problems import exception_handlers
from shared_kernel.api.requests import StrictJsonRequest
from shared_kernel.api.runtime_metrics import RuntimeMetricsPlugin
from shared_kernel.infrastructure.database import readiness_engine, sqlalchemy_config
from shared_kernel.infrastructure.database_admin import (
    DatabaseAccessDenied,
    DatabaseServerUnavailable,
    ensure_database,
)
from shared_kernel.infrastructure.facades import Facades
from shared_kernel.infrastructure.logging import configure_logging
from shared_kernel.infrastructure.settings import Settings, load_settings


def facades() -> Facades:
    """What the listed modules publish to each other."""
    return Facades(module.facade for module in MODULES if module.facade is not None)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    configure_logging(settings)
    disable_created_metrics()  # type: ignore[no-untyped-call]  # *_created series only add noise
    pool_capacity = settings.db_pool_size + settings.db_max_overflow
    published = facades()
    readiness = readiness_engine(settings)
    fair_queue = DefineMiddleware(
        FairQueueMiddleware,
        slots=asyncio.Semaphore(pool_capacity),
        body_timeout_seconds=settings.http_body_timeout_seconds,
        queue_timeout_seconds=settings.db_pool_timeout_seconds,
    )
    return Litestar(
        route_handlers=[
            HealthController,
            metrics,
            # The modules' endpoints queue fairly for the database (operations endpoints never wait).
            Router(
                path="/",
                route_handlers=[module.router(published) for module in MODULES],
                middleware=[fair_queue],
            ),
        ],
        dependencies={"readiness_engine": Provide(lambda: readiness, sync_to_thread=False)},
        on_shutdown=[readiness.dispose],
        plugins=[
            SQLAlchemyPlugin(config=sqlalchemy_config(settings)),
            RuntimeMetricsPlugin(readiness, replicas_configured=settings.app_replicas),
        ],
        middleware=[RequestIdMiddleware, HttpMetricsMiddleware],
        before_send=[add_request_id_header],
        exception_handlers=exception_handlers(),
        request_class=StrictJsonRequest,
        openapi_config=OpenAPIConfig(
            title="order-service",
            version="1.0.0",
            description="Catalog, inventory and ordering of a modular monolith.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        logging_config=None,
        debug=settings.debug,
    )


async def seed(settings: Settings) -> None:
    """Fill an empty database with a demo catalog a newcomer can browse (idempotent)."""
    engine = create_async_engine(str(settings.database_url))
    published, summaries = facades(), []
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            for module in MODULES:
                if module.seed is not None:
                    summaries.append(f"{module.name}: {await module.seed(session, published)}")
    finally:
        await engine.dispose()
    print("; ".join(summaries))  # noqa: T201


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python main.py", description=__doc__)
    parser.add_argument("command", choices=["ensure-database", "seed"])
    command = parser.parse_args(argv).command
    settings = load_settings()
    try:
        if command == "ensure-database":
            created = asyncio.run(ensure_database(str(settings.database_url)))
            print("database created" if created else "database exists")  # noqa: T201
        else:
            asyncio.run(seed(settings))
    except DatabaseServerUnavailable as exc:  # exit 1: worth retrying (deploy/entrypoint.sh does)
        print(exc, file=sys.stderr)  # noqa: T201
        return 1
    except DatabaseAccessDenied as exc:  # exit 2: retrying cannot help
        print(exc, file=sys.stderr)  # noqa: T201
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
