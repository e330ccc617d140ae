"""RFC 9457 problem+json: the single place where errors become HTTP answers."""

import re
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from shared_kernel.domain.errors import Conflict, DomainError, InvalidInput, NotFound, UnknownReferences
from shared_kernel.infrastructure.database import database_unavailable
from shared_kernel.infrastructure.logging import get_logger
from shared_kernel.infrastructure.metrics import DB_UNAVAILABLE

PROBLEM_JSON = "application/problem+json"

_STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidInput: 400,
    NotFound: 404,
    Conflict: 409,
    UnknownReferences: 422,
}

_log = get_logger(__name__)


class FieldError(msgspec.Struct):
    field: str
    message: str
    source: str = "body"


class Problem(msgspec.Struct, omit_defaults=True):
    """The body of every error response."""

    title: str
    status: int
    detail: str
    type: str = "about:blank"
    errors: list[FieldError] | None = None
    unknown_ids: list[str] | None = None


_DESCRIPTIONS = {
    400: "The request is malformed or breaks a validation rule.",
    404: "A resource named in the path does not exist.",
    409: "The request conflicts with the current state.",
    415: "The body is not application/json.",
    422: "The request names things that do not exist.",
    503: "The database is unavailable, or a lock or pool wait ran past its bound: retry later (Retry-After). "
    "Nothing changed, unless the connection was lost during the commit: retry an order with the same "
    "Idempotency-Key, and it is placed once.",
}
# The connection timed out or broke: a COMMIT may have reached the server before it went.
_OUTCOME_UNKNOWN = frozenset({"timeout", "connection_lost"})
# How long a client should wait before retrying a 503: a lock wait or a database restart usually ends by then.
RETRY_AFTER_SECONDS = 2


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for a handler's error answers (400 and 503 are always possible)."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS[status],
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for status in sorted({400, 503, *statuses})
    }


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response[Problem]:
    return Response(problem, status_code=problem.status, media_type=PROBLEM_JSON, headers=headers)


def _domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    status = next(code for cls, code in _STATUS_BY_ERROR.items() if isinstance(exc, cls))
    problem = Problem(title=exc.title, status=status, detail=exc.detail)
    if isinstance(exc, InvalidInput) and exc.field:
        problem.errors = [FieldError(field=exc.field, message=exc.detail)]
    if isinstance(exc, UnknownReferences):
        problem.unknown_ids = exc.references
    return problem_response(problem)


_FIELD_IN_MESSAGE = re.compile(r"field `([^`]+)`")


def _field_error(item: dict[str, Any]) -> FieldError:
    """msgspec reports a missing field at its parent (`data` for the body itself): name the field."""
    field, message = str(item.get("key") or ""), str(item.get("message") or "")
    source = str(getattr(item.get("source"), "value", item.get("source")) or "body")
    if named := _FIELD_IN_MESSAGE.search(message):
        field = named.group(1) if field in ("", "data") else f"{field}.{named.group(1)}"
    return FieldError(field=field, message=message, source=source)


def _validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    items = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(item) for item in items if isinstance(item, dict)]
    detail = "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors) or exc.detail
    return problem_response(Problem(title="Invalid request", status=400, detail=detail, errors=errors or None))


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    if exc.status_code >= HTTP_500_INTERNAL_SERVER_ERROR:
        return _unexpected_error(request, exc)
    problem = Problem(title=_title(exc.status_code), status=exc.status_code, detail=exc.detail)
    return problem_response(problem, headers=exc.headers)


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    if reason := database_unavailable(exc):
        return _database_unavailable(request, reason)
    _log.error("unhandled_error", path=request.url.path, method=request.method, exc_info=exc)
    problem = Problem(title="Internal server error", status=HTTP_500_INTERNAL_SERVER_ERROR, detail="Unexpected error")
    return problem_response(problem)


def _database_unavailable(request: Request[Any, Any, Any], reason: str) -> Response[Problem]:
    """Retryable and expected during an outage: one short line each (no traceback), and a metric by reason."""
    _log.warning("database_unavailable", reason=reason, path=request.url.path, method=request.method)
    DB_UNAVAILABLE.labels(reason).inc()
    outcome = (
        "If that happened during the commit, the change may have been made: retry with the same Idempotency-Key."
        if reason in _OUTCOME_UNKNOWN
        else "Nothing was changed."
    )
    detail = f"The database is unavailable ({reason}). {outcome} Retry later."
    problem = Problem(title="Service Unavailable", status=503, detail=detail)
    return problem_response(problem, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def exception_handlers() -> ExceptionHandlersMap:
    return {
        DomainError: _domain_error,
        ValidationException: _validation_error,
        HTTPException: _http_error,
        Exception: _unexpected_error,
    }
