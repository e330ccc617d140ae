"""GET /metrics: Prometheus text exposition (aggregated over workers in multiprocess mode)."""

from litestar import Response, get

from shared_kernel.infrastructure.metrics import render_metrics


@get("/metrics", summary="Prometheus metrics", tags=["operations"], media_type="text/plain", cache=False)
async def metrics() -> Response[bytes]:
    body, content_type = render_metrics()
    return Response(body, media_type=content_type)
