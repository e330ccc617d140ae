"""Assertions on RFC 9457 problem+json answers."""

from typing import Any

import httpx


def assert_problem(response: httpx.Response, status: int, *, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    if field is not None:
        assert field in {e["field"] for e in body["errors"]}, body
    return body
