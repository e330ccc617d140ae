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
    async def ready(self, db_engine: NamedDependency[AsyncEngine]) -> Response[Any]:
        try:
            async with asyncio.timeout(READINESS_TIMEOUT_SECONDS), db_engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            detail = f"database unavailable: {type(exc).__name__}"
            return problem_response(Problem(title="Service Unavailable", status=503, detail=detail))
        return Response(HealthStatus(status="ok"))
