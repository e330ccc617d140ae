"""Liveness and readiness probes."""

import asyncio
from typing import Any

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared_kernel.api.problems import Problem, problem_response, problem_responses

READINESS_TIMEOUT_SECONDS = 2.0


class HealthStatus(msgspec.Struct):
    status: str


class HealthController(Controller):
    path = "/health"
    tags = ["operations"]  # noqa: RUF012

    @get("/live", summary="The process is serving", cache=False)
    async def live(self) -> HealthStatus:
        return HealthStatus(status="ok")

    @get(
        "/ready",
        summary="The database answers",
        responses=problem_responses(503),
        cache=False,
    )
    async def ready(self, readiness_engine: NamedDependency[AsyncEngine]) -> Response[Any]:
        if problem := await database_problem(readiness_engine):
            return problem_response(Problem(title="Service Unavailable", status=503, detail=problem))
        return Response(HealthStatus(status="ok"))


async def database_problem(engine: AsyncEngine) -> str | None:
    """The readiness check, on the readiness engine (shared_kernel.infrastructure.database.readiness_engine):
    None when the database answers within 2 s, else why not. Also sampled into the `app_ready` metric
    (shared_kernel/api/runtime_metrics.py)."""
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (TimeoutError, SQLAlchemyError, OSError) as exc:
        return f"database unavailable: {type(exc).__name__}"
    return None
