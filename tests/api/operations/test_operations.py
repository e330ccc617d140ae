"""Health probes, request ids, metrics and the OpenAPI document."""

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from main import create_app
from shared_kernel.infrastructure.settings import Settings
from tests.api.problems import assert_problem
from tests.factories import product_body

Client = AsyncTestClient[Litestar]


async def test_liveness_and_readiness(client: Client) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    assert (await client.get("/health/ready")).json() == {"status": "ok"}


async def test_readiness_is_503_problem_when_the_database_is_down(settings: Settings) -> None:
    unreachable = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:9/none", "db_pool_timeout_seconds": 1},
    )
    async with AsyncTestClient(app=create_app(unreachable)) as client:
        assert (await client.get("/health/live")).status_code == 200
        assert_problem(await client.get("/health/ready"), 503)


async def test_request_id_is_echoed_or_generated(client: Client) -> None:
    echoed = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health/live")
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    unmatched = await client.get("/no/such/route", headers={"X-Request-ID": "r-404"})
    assert unmatched.status_code == 404
    assert unmatched.headers["x-request-id"] == "r-404"


async def test_insane_request_id_is_replaced(client: Client) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "x" * 201})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_unknown_route_and_method_are_problems(client: Client) -> None:
    assert_problem(await client.get("/api/catalog/nothing"), 404)
    assert_problem(await client.delete("/api/catalog/products"), 405)


async def test_metrics_count_requests_by_route_template(client: Client) -> None:
    created = (await client.post("/api/catalog/products", json=product_body())).json()
    await client.get(f"/api/catalog/products/{created['id']}")
    metrics = (await client.get("/metrics")).text
    assert 'http_requests_total{method="POST",route="/api/catalog/products",status="201"}' in metrics
    assert 'route="/api/catalog/products/{product_id}",status="200"' in metrics
    assert created["id"] not in metrics
    assert "http_request_duration_seconds_bucket" in metrics


async def test_openapi_documents_problem_responses(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    get_product = schema["paths"]["/api/catalog/products/{product_id}"]["get"]["responses"]
    assert set(get_product) == {"200", "400", "404", "503"}
    assert "application/problem+json" in get_product["404"]["content"]
    assert "application/problem+json" in schema["paths"]["/health/ready"]["get"]["responses"]["503"]["content"]
